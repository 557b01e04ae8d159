import { useEffect, useState } from "preact/hooks";
import type { VireoEvent } from "../api";
import { NotAvailable, PageHeader } from "../components";
import { fmtTime } from "../util";

const MAX = 500;

/** The live event log: GET /v1/events (server-sent events), newest first. */
export function Events() {
  const [events, setEvents] = useState<VireoEvent[]>([]);
  const [status, setStatus] = useState<"connecting" | "open" | "error" | "missing">("connecting");
  const [vm, setVm] = useState("");
  const [frozen, setFrozen] = useState<VireoEvent[] | null>(null);
  const paused = frozen !== null;

  useEffect(() => {
    // last_event_id=0: first what vireod still keeps (its last 1024 events), then live ones, so the page opens on the
    // recent past instead of an empty table.
    const source = new EventSource(`/v1/events?last_event_id=0${vm ? `&vm=${encodeURIComponent(vm)}` : ""}`, { withCredentials: true });
    source.onopen = () => setStatus("open");
    source.onmessage = (m) => {
      try {
        const e = JSON.parse(m.data) as VireoEvent;
        // The notice that events before the kept ones are gone: expected when asking for everything kept.
        if (e.type === "overflow" && e.seq === 0) return;
        setEvents((list) => [e, ...list].slice(0, MAX));
      } catch { /* not an event */ }
    };
    source.onerror = async () => {
      // EventSource hides the status: ask once whether the route exists at all.
      if (source.readyState === EventSource.CLOSED) {
        // fetch resolves on the headers; abort before the stream's body.
        const probe = new AbortController();
        try {
          const r = await fetch("/v1/events", { signal: probe.signal, credentials: "same-origin" });
          probe.abort();
          setStatus(r.status === 404 ? "missing" : "error");
        } catch { setStatus("error"); }
      } else setStatus("error");
    };
    return () => source.close();
  }, [vm]);

  const shown = frozen ?? events;
  return (
    <div class="page">
      <PageHeader title="Event log" sub={status === "open" ? "Live" : status === "connecting" ? "Connecting…" : status === "error" ? "Reconnecting…" : null}>
        <label class="sr-only" for="ev-vm">Only the VM</label>
        <input id="ev-vm" type="search" placeholder="Only the VM…" value={vm} onChange={(e) => { setEvents([]); setVm((e.target as HTMLInputElement).value.trim()); }} />
        <button class="btn btn-secondary" onClick={() => setFrozen(paused ? null : events)} aria-pressed={paused}>{paused ? "Resume" : "Pause"}</button>
        <button class="btn btn-secondary" onClick={() => setEvents([])}>Clear</button>
      </PageHeader>
      {status === "missing" ? <NotAvailable what="The event stream (GET /v1/events)" /> : null}
      {shown.length === 0 && status !== "missing" ? <p class="muted card">No events yet. Start or stop a VM and they appear here.</p> : null}
      {shown.length ? (
        <div class="table-wrap"><table class="table events">
          <thead><tr><th>Time</th><th>Type</th><th>Object</th><th>State</th><th>Message</th></tr></thead>
          <tbody aria-live={paused ? "off" : "polite"}>{shown.map((e) => (
            <tr key={e.seq}><td class="nowrap">{fmtTime(e.time)}</td><td><span class={`badge ev-${e.type.split(".")[0]}`}>{e.type}</span></td>
              <td>{e.vm ? <a href={`/vms/${encodeURIComponent(e.vm)}`}>{e.vm}</a> : e.network ?? e.pool ?? e.operation ?? "host"}</td>
              <td>{e.state ?? (e.progress != null ? `${Math.round(e.progress * 100)}%` : "")}</td><td>{e.message ?? ""}</td></tr>
          ))}</tbody>
        </table></div>
      ) : null}
    </div>
  );
}
