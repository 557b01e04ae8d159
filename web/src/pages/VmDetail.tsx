import { useState } from "preact/hooks";
import { ApiError, del, enc, get, post, request, type EditResult, type SnapshotInfo, type VmAddress, type VmInfo, type VolumeInfo, type NetworkInfo } from "../api";
import { ActionButton, ErrorBox, Failure, Field, NeedsRole, PageHeader, Sparkline, Spinner, StateBadge } from "../components";
import { useRole } from "../role";
import { navigate } from "../router";
import { byName, fmtAgo, fmtBytes, fmtRate, fmtTime, usePoll } from "../util";
import { cpuFmt, series } from "./VmList";
import { useUsageSeries } from "../live";
import type { ComponentType } from "preact";
import { useEffect } from "preact/hooks";

// xterm.js and noVNC are most of the UI's code: loaded when a console tab is opened, not with the first page.
function lazyPage<P>(load: () => Promise<ComponentType<P>>) {
  let loaded: ComponentType<P> | undefined;
  return (props: P & object) => {
    const [C, setC] = useState<ComponentType<P> | undefined>(() => loaded);
    const [error, setError] = useState<unknown>();
    useEffect(() => { if (!C) load().then((c) => { loaded = c; setC(() => c); }, setError); }, []);
    return error ? <ErrorBox error={error} /> : C ? <C {...props} /> : <Spinner label="Loading the console" />;
  };
}
const SerialConsole = lazyPage<{ name: string }>(() => import("./SerialConsole").then((m) => m.SerialConsole));
const VncConsole = lazyPage<{ name: string }>(() => import("./VncConsole").then((m) => m.VncConsole));

const tabs = [
  ["overview", "Overview"], ["console", "Serial console"], ["display", "Display (VNC)"], ["disks", "Disks"],
  ["network", "Network"], ["snapshots", "Snapshots"], ["settings", "Settings"],
] as const;

export function VmDetail({ name, tab }: { name: string; tab: string }) {
  const vm = usePoll((s) => request<VmInfo>("GET", `/v1/vms/${enc(name)}`, undefined, { signal: s }), 3000, [name]);
  const [error, setError] = useState<unknown>();
  const { can, why } = useRole();
  const info = vm.data?.data;
  const base = `/vms/${enc(name)}`;
  if (vm.error && !info) return <div class="page"><PageHeader title={name} /><ErrorBox error={vm.error} onRetry={vm.reload} /><a href="/vms">← All VMs</a></div>;
  if (!info) return <div class="page"><Spinner /></div>;
  const s = info.state;
  const running = s === "running", paused = s === "paused", stopped = s === "stopped" || s === "crashed";
  const act = (action: string, body?: unknown) => async () => { await post(`/v1/vms/${enc(name)}/${action}`, body); vm.reload(); };

  return (
    <div class="page">
      <PageHeader title={<>{info.name} <StateBadge state={s} /></>} sub={<>{info.reason && !info.runtime ? <>{info.reason} · </> : null}{info.spec.vcpus} vCPU · {fmtBytes(info.spec.memory * 1048576)}{info.spec.image ? <> · image {info.spec.image}</> : null}{info.runtime ? <> · up {fmtAgo(info.runtime.started_at)} · {info.runtime.accel}</> : null}</>}>
        {can("vm.lifecycle") ? <div class="btn-group" role="group" aria-label="Lifecycle">
          {stopped ? <ActionButton kind="primary" onClick={act("start")} onError={setError}>Start</ActionButton> : null}
          {running ? <ActionButton onClick={act("shutdown")} onError={setError} title="ACPI power button; the guest shuts itself down">Shut down</ActionButton> : null}
          {running ? <ActionButton onClick={act("reboot")} onError={setError}>Reboot</ActionButton> : null}
          {running ? <ActionButton onClick={act("suspend")} onError={setError}>Pause</ActionButton> : null}
          {paused ? <ActionButton kind="primary" onClick={act("resume")} onError={setError}>Resume</ActionButton> : null}
          {running || paused ? <ActionButton onClick={act("reset")} onError={setError} confirm={`Reset ${name}? This is a hard reset, like the reset button.`}>Reset</ActionButton> : null}
          {!stopped ? <ActionButton kind="danger" onClick={act("destroy")} onError={setError} confirm={`Force off ${name}? The guest gets no chance to shut down.`}>Force off</ActionButton> : null}
          {stopped && can("vm.delete") ? <DeleteButton name={name} onError={setError} /> : null}
        </div> : null}
      </PageHeader>
      <ErrorBox error={error} />
      {vm.error ? <ErrorBox error={vm.error} compact /> : null}
      {info.pending_changes?.length ? (
        <div class="alert alert-warn" role="status"><div class="alert-title">Changes waiting for the next start</div>
          <ul class="plain-list">{info.pending_changes.map((c) => <li key={c.field}><code>{c.field}</code>: {c.from ?? "–"} → {c.to ?? "–"}</li>)}</ul></div>
      ) : null}
      <nav class="tabs" aria-label="VM sections">
        {tabs.map(([id, label]) => <a key={id} title={(id === "console" || id === "display") && !can("console") ? why("console") : undefined} href={id === "overview" ? base : `${base}/${id}`} aria-current={tab === id ? "page" : undefined}>{label}</a>)}
      </nav>
      <section class="tab-body">
        {tab === "overview" ? <OverviewTab info={info} /> : null}
        {(tab === "console" || tab === "display") && !can("console") ? <NeedsRole what="Consoles" action="console" /> : null}
        {tab === "console" && can("console") ? (running || paused ? <SerialConsole name={name} /> : <NotRunning what="The serial console" />) : null}
        {tab === "display" && can("console") ? (info.spec.graphics?.type !== "vnc" ? <div class="alert alert-muted">This VM has no graphical display (graphics: {info.spec.graphics?.type ?? "none"}).</div>
          : running || paused ? <VncConsole name={name} /> : <NotRunning what="The display" />) : null}
        {tab === "disks" ? <DisksTab info={info} reload={vm.reload} /> : null}
        {tab === "network" ? <NetworkTab info={info} reload={vm.reload} /> : null}
        {tab === "snapshots" ? <SnapshotsTab info={info} /> : null}
        {tab === "settings" ? <SettingsTab info={info} etag={vm.data!.etag} reload={vm.reload} /> : null}
      </section>
    </div>
  );
}

function NotRunning({ what }: { what: string }) {
  const { can } = useRole();
  return <div class="alert alert-muted" role="status">{what} is available while the VM runs.{can("vm.lifecycle") ? " Start it with the Start button above." : ""}</div>;
}

function DeleteButton({ name, onError }: { name: string; onError: (e: unknown) => void }) {
  const [open, setOpen] = useState(false);
  const [storage, setStorage] = useState(false);
  if (!open) return <button class="btn btn-danger" type="button" onClick={() => setOpen(true)}>Delete…</button>;
  return (
    <div class="confirm-pop" role="dialog" aria-label={`Delete ${name}`}>
      <p>Delete the VM <strong>{name}</strong>?</p>
      <label class="check"><input type="checkbox" checked={storage} onChange={(e) => setStorage((e.target as HTMLInputElement).checked)} /> Also remove its disk images</label>
      <div class="btn-group">
        <ActionButton kind="danger" onError={onError} onClick={async () => { await del(`/v1/vms/${enc(name)}${storage ? "?remove_all_storage=true" : ""}`); navigate("/vms"); }}>Delete VM</ActionButton>
        <button class="btn btn-secondary" type="button" onClick={() => setOpen(false)}>Cancel</button>
      </div>
    </div>
  );
}

function OverviewTab({ info }: { info: VmInfo }) {
  const history = useUsageSeries(info.runtime ? info.name : undefined);
  const live = !!info.runtime;
  // vireod's history outlives a run: only this run's samples (both times are the daemon's clock).
  const since = info.runtime ? Date.parse(info.runtime.started_at) : NaN;
  const h = (history.data?.vms?.[info.name] ?? []).filter((p) => history.data?.source !== "history" || isNaN(since) || p.t >= since - 1000);
  const pending = live && !history.error;
  return (
    <div class="grid-2">
      <div class="card">
        <h2>Live use</h2>
        {history.data?.source === "live" ? <p class="muted small">Since this page opened (this vireod keeps no history).</p> : history.error ? <ErrorBox error={history.error} compact /> : null}
        {!live ? <p class="muted">Not running.</p> : (
          <dl class="facts graphs">
            <dt>CPU</dt><dd><Sparkline values={series(h, (p) => p.cpu)} pending={pending} label="CPU" format={cpuFmt} max={0.05} width={220} height={40} /></dd>
            <dt>Memory</dt><dd><Sparkline values={series(h, (p) => p.mem)} pending={pending} label="Memory" format={(n) => fmtBytes(n)} width={220} height={40} /></dd>
            <dt>Disk</dt><dd><Sparkline values={series(h, (p) => p.disk_rd + p.disk_wr)} pending={pending} label="Disk" format={fmtRate} max={1024} width={220} height={40} /></dd>
            <dt>Network</dt><dd><Sparkline values={series(h, (p) => p.net_rx + p.net_tx)} pending={pending} label="Network" format={fmtRate} max={1024} width={220} height={40} /></dd>
          </dl>
        )}
      </div>
      <div class="card">
        <h2>Definition</h2>
        <dl class="facts">
          <dt>UUID</dt><dd><code class="wrap">{info.uuid}</code></dd>
          {info.spec.description ? <><dt>Description</dt><dd>{info.spec.description}</dd></> : null}
          <dt>CPU / memory</dt><dd>{info.spec.vcpus} vCPU{info.spec.max_vcpus ? ` (max ${info.spec.max_vcpus})` : ""}, {fmtBytes(info.spec.memory * 1048576)}{info.spec.max_memory ? ` (max ${fmtBytes(info.spec.max_memory * 1048576)})` : ""}</dd>
          <dt>Machine</dt><dd>{info.spec.machine ?? "q35"}, firmware {info.spec.boot?.firmware ?? "bios"}</dd>
          {info.spec.boot?.kernel ? <><dt>Kernel</dt><dd><code class="wrap">{info.spec.boot.kernel}</code></dd></> : null}
          <dt>Disks</dt><dd>{info.spec.disks.length}</dd>
          <dt>NICs</dt><dd>{info.spec.nics.length}</dd>
          <dt>Graphics</dt><dd>{info.spec.graphics?.type ?? "none"}{info.runtime?.vnc_port ? ` (127.0.0.1:${info.runtime.vnc_port})` : ""}</dd>
          <dt>Autostart</dt><dd>{info.spec.autostart ? "yes" : "no"}</dd>
          <dt>On crash</dt><dd>{info.spec.on_crash ?? "destroy"}</dd>
          <dt>Defined</dt><dd>{fmtTime(info.defined_at)}</dd>
          <dt>Revision</dt><dd>{info.revision}</dd>
          {info.runtime ? <><dt>QEMU PID</dt><dd>{info.runtime.pid}</dd></> : null}
        </dl>
      </div>
    </div>
  );
}

function DisksTab({ info, reload }: { info: VmInfo; reload: () => void }) {
  const volumes = usePoll((s) => get<VolumeInfo[]>("/v1/volumes", s), 0);
  const [error, setError] = useState<unknown>();
  const [pick, setPick] = useState("");
  const { can } = useRole();
  const used = new Set(info.spec.disks.map((d) => d.volume));
  const free = byName(volumes.data).filter((v) => v.used_by.length === 0 && !v.base && !used.has(v.volume));
  return (
    <div class="card">
      <h2>Disks</h2>
      <ErrorBox error={error} />
      {info.spec.disks.length === 0 ? <p class="muted">No disks.{info.spec.boot?.kernel ? " This VM boots a kernel directly." : ""}</p> : (
        <div class="table-wrap"><table class="table">
          <thead><tr><th>#</th><th>Source</th><th>Device</th><th>Format</th><th>Bus</th><th>Mode</th><th><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>{info.spec.disks.map((d, i) => {
            const source = d.volume ?? d.path;
            return (
              <tr key={i}><td>{i}</td><td><code class="wrap">{source ?? "(empty drive)"}</code></td><td>{d.device ?? "disk"}</td><td>{d.format ?? (d.device === "cdrom" ? "raw" : "qcow2")}</td><td>{d.bus ?? "virtio"}</td><td>{d.readonly ? "read-only" : "read-write"}</td>
                <td>{source && d.device !== "cdrom" && can("vm.edit") ? <ActionButton kind="danger" onError={setError} confirm={`Detach ${source} from ${info.name}?`} onClick={async () => { await del(`/v1/vms/${enc(info.name)}/disks?source=${enc(source)}`); reload(); }}>Detach</ActionButton> : null}</td></tr>
            );
          })}</tbody>
        </table></div>
      )}
      <NeedsRole what="Attaching and detaching disks" action="vm.edit" />
      {can("vm.edit") ? <form class="inline-form" onSubmit={async (e) => { e.preventDefault(); if (!pick) return; try { setError(undefined); await post(`/v1/vms/${enc(info.name)}/disks`, { volume: pick }); setPick(""); reload(); volumes.reload(); } catch (err) { setError(err); } }}>
        <Field id="attach-volume" label="Attach a volume" hint={info.runtime ? "Hot-plugged into the running VM." : undefined}>
          <select id="attach-volume" value={pick} onChange={(e) => setPick((e.target as HTMLSelectElement).value)}>
            <option value="">Choose a free volume…</option>
            {free.map((v) => <option key={v.volume} value={v.volume}>{v.volume} ({fmtBytes(v.virtual_size_bytes)}, {v.format})</option>)}
          </select>
        </Field>
        <button class="btn btn-primary" type="submit" disabled={!pick}>Attach</button>
        <a href="/storage">Manage volumes</a>
      </form> : null}
    </div>
  );
}

function NetworkTab({ info, reload }: { info: VmInfo; reload: () => void }) {
  const addresses = usePoll((s) => (info.runtime ? get<VmAddress[]>(`/v1/vms/${enc(info.name)}/addresses`, s) : Promise.resolve([] as VmAddress[])), 5000, [info.runtime?.pid]);
  const networks = usePoll((s) => get<NetworkInfo[]>("/v1/networks", s), 0);
  const [error, setError] = useState<unknown>();
  const [net, setNet] = useState("");
  const { can } = useRole();
  return (
    <div class="card">
      <h2>Network interfaces</h2>
      <ErrorBox error={error} />
      {addresses.error ? <ErrorBox error={addresses.error} compact /> : null}
      {info.spec.nics.length === 0 ? <p class="muted">No network interfaces.</p> : (
        <div class="table-wrap"><table class="table">
          <thead><tr><th>MAC</th><th>Attached to</th><th>Model</th><th>Link</th><th>Addresses</th><th><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>{info.spec.nics.map((n) => {
            const addrs = (addresses.data ?? []).filter((a) => a.mac === n.mac);
            return (
              <tr key={n.mac}><td><code>{n.mac}</code></td><td>{n.type === "network" ? <a href="/networks">{n.network}</a> : n.type === "bridge" ? `bridge ${n.bridge}` : n.type}</td><td>{n.model ?? "virtio"}</td>
                <td>{n.link === false ? <span class="warn-text">down</span> : "up"}</td>
                <td>{addrs.length ? addrs.map((a) => <div key={a.address}><code>{a.address}</code> <span class="muted small">{a.source}</span></div>) : <span class="muted">{info.runtime ? "none seen yet" : "–"}</span>}</td>
                <td class="row-actions">{can("vm.edit") ? <>
                  <ActionButton onError={setError} onClick={async () => { await post(`/v1/vms/${enc(info.name)}/nics/${enc(n.mac!)}/link/${n.link === false ? "up" : "down"}`); reload(); }}>{n.link === false ? "Link up" : "Link down"}</ActionButton>
                  <ActionButton kind="danger" onError={setError} confirm={`Remove the NIC ${n.mac}?`} onClick={async () => { await del(`/v1/vms/${enc(info.name)}/nics/${enc(n.mac!)}`); reload(); }}>Remove</ActionButton>
                </> : null}</td></tr>
            );
          })}</tbody>
        </table></div>
      )}
      <NeedsRole what="Changes to network interfaces" action="vm.edit" />
      {can("vm.edit") ? <form class="inline-form" onSubmit={async (e) => { e.preventDefault(); if (!net) return; try { setError(undefined); await post(`/v1/vms/${enc(info.name)}/nics`, net === "@user" ? { type: "user" } : { type: "network", network: net }); setNet(""); reload(); } catch (err) { setError(err); } }}>
        <Field id="add-nic" label="Add a network interface">
          <select id="add-nic" value={net} onChange={(e) => setNet((e.target as HTMLSelectElement).value)}>
            <option value="">Choose a network…</option>
            {byName(networks.data).map((n) => <option key={n.name} value={n.name}>{n.name} ({n.mode}{n.subnet ? `, ${n.subnet}` : ""})</option>)}
            <option value="@user">user-mode (no network needed)</option>
          </select>
        </Field>
        <button class="btn btn-primary" type="submit" disabled={!net}>Add</button>
      </form> : null}
    </div>
  );
}

function SnapshotsTab({ info }: { info: VmInfo }) {
  const snaps = usePoll((s) => get<SnapshotInfo[]>(`/v1/vms/${enc(info.name)}/snapshots`, s), 0, [info.name]);
  const [error, setError] = useState<unknown>();
  const [name, setName] = useState("");
  const [kind, setKind] = useState("");
  const [description, setDescription] = useState("");
  const { can } = useRole();
  const byName = new Map((snaps.data ?? []).map((s) => [s.name, s]));
  const roots = (snaps.data ?? []).filter((s) => !s.parent || !byName.has(s.parent));
  const revert = async (s: SnapshotInfo) => {
    try {
      setError(undefined);
      await post(`/v1/vms/${enc(info.name)}/snapshots/${enc(s.name)}/revert`, {});
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && window.confirm(`${e.detail}\n\nRevert anyway (the running VM is stopped)?`)) {
        await post(`/v1/vms/${enc(info.name)}/snapshots/${enc(s.name)}/revert`, { force: true });
      } else throw e;
    }
    snaps.reload();
  };
  const Node = ({ s }: { s: SnapshotInfo }) => (
    <li>
      <div class={`snap${s.current ? " current" : ""}`}>
        <span class="snap-name">{s.name}</span>
        {s.current ? <span class="badge badge-accent">current</span> : null}
        <span class="muted small">{s.kind} · VM was {s.vm_state} · {fmtTime(s.created_at)}</span>
        {s.description ? <span class="small">{s.description}</span> : null}
        {can("snapshot") ? <span class="snap-actions">
          <ActionButton onError={setError} confirm={`Revert ${info.name} to "${s.name}"? Changes since then are lost.`} onClick={() => revert(s)}>Revert</ActionButton>
          <ActionButton kind="danger" onError={setError} confirm={`Delete the snapshot "${s.name}"?`} onClick={async () => { await del(`/v1/vms/${enc(info.name)}/snapshots/${enc(s.name)}`); snaps.reload(); }}>Delete</ActionButton>
        </span> : null}
      </div>
      {s.children.length ? <ul>{s.children.map((c) => byName.get(c)).filter(Boolean).map((c) => <Node key={c!.name} s={c!} />)}</ul> : null}
    </li>
  );
  return (
    <div class="card">
      <h2>Snapshots</h2>
      <ErrorBox error={error} />
      {snaps.error ? <Failure error={snaps.error} what="Snapshots" /> : null}
      {snaps.data && snaps.data.length === 0 ? <p class="muted">No snapshots. Snapshots live inside the VM's qcow2 disks.</p> : null}
      {roots.length ? <ul class="snap-tree">{roots.map((s) => <Node key={s.name} s={s} />)}</ul> : null}
      <NeedsRole what="Taking, reverting and deleting snapshots" action="snapshot" />
      {can("snapshot") ? <form class="inline-form" onSubmit={async (e) => { e.preventDefault(); try { setError(undefined); await post(`/v1/vms/${enc(info.name)}/snapshots`, { name, kind: kind || null, description: description || null }); setName(""); setDescription(""); snaps.reload(); } catch (err) { setError(err); } }}>
        <Field id="snap-name" label="Name"><input id="snap-name" required value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="before-upgrade" /></Field>
        <Field id="snap-kind" label="Kind"><select id="snap-kind" value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
          <option value="">automatic (memory when running)</option><option value="memory">memory + disks</option><option value="disk">disks only</option></select></Field>
        <Field id="snap-desc" label="Description"><input id="snap-desc" value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} /></Field>
        <button class="btn btn-primary" type="submit" disabled={!name}>Take snapshot</button>
      </form> : null}
    </div>
  );
}

function SettingsTab({ info, etag, reload }: { info: VmInfo; etag: string | null; reload: () => void }) {
  // The form edits the definition the VM gets next (the pending one when there is one), against the revision read.
  const spec = info.pending_spec ?? info.spec;
  const [form, setForm] = useState(() => ({
    vcpus: String(spec.vcpus), max_vcpus: spec.max_vcpus ? String(spec.max_vcpus) : "", memory: String(spec.memory),
    max_memory: spec.max_memory ? String(spec.max_memory) : "", autostart: !!spec.autostart, on_crash: spec.on_crash ?? "destroy", description: spec.description ?? "",
  }));
  const [revision, setRevision] = useState(() => etag ?? `"${info.revision}"`);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<EditResult>();
  const [busy, setBusy] = useState(false);
  const { can, why } = useRole();
  const set = (k: keyof typeof form) => (e: Event) => { const t = e.target as HTMLInputElement; setForm({ ...form, [k]: t.type === "checkbox" ? t.checked : t.value }); };
  const num = (s: string) => (s.trim() === "" ? undefined : Number(s));
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true); setError(undefined); setResult(undefined);
    try {
      const body = { vcpus: num(form.vcpus), max_vcpus: num(form.max_vcpus), memory: num(form.memory), max_memory: num(form.max_memory), autostart: form.autostart, on_crash: form.on_crash, description: form.description };
      const r = await request<EditResult>("PATCH", `/v1/vms/${enc(info.name)}`, body, { ifMatch: revision });
      setResult(r.data);
      setRevision(r.etag ?? `"${r.data.revision}"`);
      reload();
    } catch (err) { setError(err); } finally { setBusy(false); }
  };
  const stale = error instanceof ApiError && error.code === "stale";
  return (
    <form class="card settings-form" onSubmit={submit}>
      <h2>Settings</h2>
      <p class="muted small">Saved against revision {revision.replace(/"/g, "")}: if someone else changes this VM first, nothing is overwritten and you are told.{info.runtime ? " On a running VM, memory (balloon), more vCPUs (hot-plug), autostart, on-crash and description apply at once; the rest at the next start." : ""}</p>
      <NeedsRole what="Changes to the settings" action="vm.edit" />
      <fieldset class="form-grid plain" disabled={!can("vm.edit")}>
        <Field id="set-vcpus" label="vCPUs"><input id="set-vcpus" type="number" min={1} required value={form.vcpus} onInput={set("vcpus")} /></Field>
        <Field id="set-maxvcpus" label="Maximum vCPUs" hint="Slots for CPU hot-plug; empty: none"><input id="set-maxvcpus" type="number" min={1} value={form.max_vcpus} onInput={set("max_vcpus")} /></Field>
        <Field id="set-memory" label="Memory (MiB)"><input id="set-memory" type="number" min={16} required value={form.memory} onInput={set("memory")} /></Field>
        <Field id="set-maxmemory" label="Maximum memory (MiB)" hint="The balloon's ceiling; empty: as memory"><input id="set-maxmemory" type="number" min={16} value={form.max_memory} onInput={set("max_memory")} /></Field>
        <Field id="set-oncrash" label="When the guest crashes"><select id="set-oncrash" value={form.on_crash} onChange={set("on_crash")}><option value="destroy">stop it</option><option value="restart">restart it</option><option value="preserve">keep it for debugging</option></select></Field>
        <div class="field"><label class="check"><input type="checkbox" checked={form.autostart} onChange={set("autostart")} /> Start when vireod starts</label></div>
        <Field id="set-desc" label="Description"><textarea id="set-desc" rows={2} value={form.description} onInput={set("description")} /></Field>
      </fieldset>
      <ErrorBox error={error} />
      {stale ? <button type="button" class="btn btn-secondary" onClick={() => location.reload()}>Load the current settings</button> : null}
      {result ? (
        <div class="alert alert-ok" role="status"><div class="alert-title">{result.message ?? "Saved"}</div>
          {result.changes.length ? <ul class="plain-list">{result.changes.map((c) => <li key={c.field}><code>{c.field}</code>: {c.from ?? "–"} → {c.to ?? "–"} <span class="muted">({c.applied}{c.note ? `; ${c.note}` : ""})</span></li>)}</ul> : <div>No change.</div>}</div>
      ) : null}
      <div class="form-actions"><button class="btn btn-primary" type="submit" disabled={busy || !can("vm.edit")} title={can("vm.edit") ? undefined : why("vm.edit")}>{busy ? "Saving…" : "Save settings"}</button></div>
    </form>
  );
}
