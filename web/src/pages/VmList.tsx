import { useState } from "preact/hooks";
import { enc, get, post, type StatPoint, type VmSummary } from "../api";
import { useUsageSeries } from "../live";
import { ActionButton, ErrorBox, PageHeader, Sparkline, Spinner, StateBadge } from "../components";
import { byName, fmtBytes, fmtRate, usePoll } from "../util";
import { useRole } from "../role";

export const cpuFmt = (n: number) => `${(n * 100).toFixed(n < 0.1 ? 1 : 0)}%`;

export function series(points: StatPoint[] | undefined, pick: (p: StatPoint) => number) {
  return (points ?? []).slice(-60).map(pick);
}

/** Every VM with its state and live CPU, memory, disk and network sparklines (GET /v1/stats/history, every 5 s). */
export function VmList() {
  const vms = usePoll((s) => get<VmSummary[]>("/v1/vms", s), 5000);
  const history = useUsageSeries();
  const [filter, setFilter] = useState("");
  const [actionError, setActionError] = useState<unknown>();
  const { can } = useRole();
  const list = byName(vms.data).filter((v) => v.name.toLowerCase().includes(filter.toLowerCase()));
  const act = (name: string, action: string) => async () => { await post(`/v1/vms/${enc(name)}/${action}`); vms.reload(); };

  return (
    <div class="page">
      <PageHeader title="Virtual machines" sub={vms.data ? `${vms.data.length} defined` : null}>
        <label class="sr-only" for="vm-filter">Filter by name</label>
        <input id="vm-filter" type="search" placeholder="Filter by name" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} />
        {can("vm.create") ? <a class="btn btn-primary" href="/create">Create VM</a> : null}
      </PageHeader>
      <ErrorBox error={vms.error} onRetry={vms.reload} />
      <ErrorBox error={actionError} />
      {history.data?.source === "live" ? <div class="alert alert-muted compact" role="status">This vireod keeps no usage history (GET /v1/stats/history): the graphs start when this page opened, from its counters every 5 s.</div>
        : history.error ? <ErrorBox error={history.error} compact /> : null}
      {!vms.data && !vms.error ? <Spinner /> : null}
      {vms.data && vms.data.length === 0 ? <div class="empty card"><p>No VMs are defined yet.</p>{can("vm.create") ? <a class="btn btn-primary" href="/create">Create a VM</a> : null}</div> : null}
      {list.length > 0 ? (
        <div class="table-wrap">
          <table class="table vm-table">
            <caption class="sr-only">Virtual machines, with the last minutes of CPU, memory, disk and network use</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">vCPU</th><th scope="col">Memory</th>
              <th scope="col">CPU</th><th scope="col">Memory use</th><th scope="col">Disk I/O</th><th scope="col">Network</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.map((v) => {
                const h = history.data?.vms?.[v.name];
                const live = v.state === "running" || v.state === "paused";
                return (
                  <tr key={v.name}>
                    <th scope="row"><a href={`/vms/${enc(v.name)}`}>{v.name}</a></th>
                    <td><StateBadge state={v.state} /></td>
                    <td class="num">{v.vcpus}</td>
                    <td class="num">{fmtBytes(v.memory * 1048576)}</td>
                    <td><Sparkline values={live ? series(h, (p) => p.cpu) : []} pending={live} label="CPU" format={cpuFmt} max={0.05} /></td>
                    <td><Sparkline values={live ? series(h, (p) => p.mem) : []} pending={live} label="Memory" format={(n) => fmtBytes(n)} max={v.memory * 1048576} /></td>
                    <td><Sparkline values={live ? series(h, (p) => p.disk_rd + p.disk_wr) : []} pending={live} label="Disk read+write" format={fmtRate} max={1024} /></td>
                    <td><Sparkline values={live ? series(h, (p) => p.net_rx + p.net_tx) : []} pending={live} label="Network rx+tx" format={fmtRate} max={1024} /></td>
                    <td class="row-actions">
                      {!can("vm.lifecycle") ? null : v.state === "stopped" || v.state === "crashed"
                        ? <ActionButton onClick={act(v.name, "start")} onError={setActionError} title={`Start ${v.name}`}>Start</ActionButton>
                        : v.state === "running" ? <ActionButton onClick={act(v.name, "shutdown")} onError={setActionError} title={`Shut down ${v.name}`}>Shut down</ActionButton> : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
