import { get, isMissingRoute, type HostInfo, type HostUsage, type PoolInfo, type VmSummary } from "../api";
import { ErrorBox, Failure, PageHeader, Spinner, StateBadge, UsageBar } from "../components";
import { byName, fmtBytes, usePoll } from "../util";
import { useRole } from "../role";
import { useUsageSeries } from "../live";

const cores = (n: number) => `${Number.isInteger(n) ? n : n.toFixed(2)} ${n === 1 ? "core" : "cores"}`;

/** How full the host is: CPU, memory and disk as capacity vs allocated vs used (GET /v1/host/usage). */
export function Overview() {
  const host = usePoll((s) => get<HostInfo>("/v1/host", s), 30000);
  const usage = usePoll((s) => get<HostUsage>("/v1/host/usage", s), 5000);
  const vms = usePoll((s) => get<VmSummary[]>("/v1/vms", s), 5000);
  const missingUsage = isMissingRoute(usage.error);
  // Without /v1/host/usage, allocation is still known from the VM list and the pools.
  const pools = usePoll((s) => (missingUsage ? get<PoolInfo[]>("/v1/pools", s) : Promise.resolve(undefined)), 30000, [missingUsage]);

  const live = useUsageSeries();
  const latest = Object.values(live.data?.vms ?? {}).map((points) => points[points.length - 1]).filter(Boolean);
  const liveUsed = latest.length ? { cpu: latest.reduce((a, p) => a + p.cpu, 0), mem: latest.reduce((a, p) => a + p.mem, 0) } : undefined;
  const h = host.data;
  const { can } = useRole();
  const list = byName(vms.data);
  const running = list.filter((v) => v.state === "running" || v.state === "paused");
  const counts = list.reduce<Record<string, number>>((acc, v) => ((acc[v.state] = (acc[v.state] ?? 0) + 1), acc), {});
  const u = usage.data;
  const fallback = missingUsage && h ? {
    cpu: { capacity: h.host_cpus, allocated: running.reduce((a, v) => a + v.vcpus, 0), used: liveUsed?.cpu },
    memory: { capacity: h.host_memory * 1024 * 1024, allocated: running.reduce((a, v) => a + v.memory * 1024 * 1024, 0), used: liveUsed?.mem },
    disk: pools.data ? { capacity: pools.data.reduce((a, p) => a + (p.capacity_bytes ?? 0), 0), used: pools.data.reduce((a, p) => a + (p.allocation_bytes ?? 0), 0) } : undefined,
  } : undefined;

  return (
    <div class="page">
      <PageHeader title="Host overview" sub={h ? <>{h.hostname} · Vireo {h.version} · QEMU {h.qemu_version} · <span class={h.accel === "kvm" ? "ok-text" : "warn-text"}>{h.accel.toUpperCase()}</span></> : null}>
        {can("vm.create") ? <a class="btn btn-primary" href="/create">Create VM</a> : null}
      </PageHeader>
      {host.error ? <ErrorBox error={host.error} onRetry={host.reload} /> : null}
      {h?.accel_warning ? <div class="alert alert-warn" role="note"><div class="alert-title">Software emulation</div><div class="alert-detail">{h.accel_warning}</div></div> : null}

      <section class="card" aria-labelledby="fullness">
        <h2 id="fullness">How full is this host</h2>
        <p class="muted small">The bar is the capacity; the light band is what the VMs were given, the dark band what they use now.</p>
        {u ? (
          <div class="usage-grid">
            <UsageBar label="CPU" capacity={u.cpu.capacity} allocated={u.cpu.allocated} used={u.cpu.used} format={cores} />
            <UsageBar label="Memory" capacity={u.memory.capacity} allocated={u.memory.allocated} used={u.memory.used} format={(n) => fmtBytes(n)} />
            <UsageBar label="Disk" capacity={u.disk.capacity} allocated={u.disk.allocated} used={u.disk.used} format={(n) => fmtBytes(n)} />
          </div>
        ) : fallback ? (
          <>
            <div class="alert alert-muted compact" role="status">This vireod has no GET /v1/host/usage: allocation comes from the running VMs, use from their counters (QEMU's resident memory, CPU time) and the pools' file systems.</div>
            <div class="usage-grid">
              <UsageBar label="CPU" capacity={fallback.cpu.capacity} allocated={fallback.cpu.allocated} used={fallback.cpu.used} format={cores} />
              <UsageBar label="Memory" capacity={fallback.memory.capacity} allocated={fallback.memory.allocated} used={fallback.memory.used} format={(n) => fmtBytes(n)} />
              {fallback.disk ? <UsageBar label="Disk (pools)" capacity={fallback.disk.capacity} used={fallback.disk.used} format={(n) => fmtBytes(n)} /> : null}
            </div>
          </>
        ) : usage.error && !missingUsage ? <Failure error={usage.error} what="Host usage" onRetry={usage.reload} /> : <Spinner />}
      </section>

      <div class="grid-2">
        <section class="card" aria-labelledby="vmcount">
          <h2 id="vmcount">Virtual machines</h2>
          {vms.error ? <ErrorBox error={vms.error} /> : null}
          <div class="stat-row">
            <div class="stat"><div class="stat-value">{list.length}</div><div class="stat-label">defined</div></div>
            {Object.entries(counts).map(([state, n]) => <div class="stat" key={state}><div class="stat-value">{n}</div><div class="stat-label"><StateBadge state={state} /></div></div>)}
          </div>
          {list.length === 0 && vms.data ? <p class="muted">No VMs yet.{can("vm.create") ? <> <a href="/create">Create the first one</a>.</> : null}</p> : null}
          {running.length ? <ul class="plain-list">{running.slice(0, 8).map((v) => <li key={v.name}><a href={`/vms/${encodeURIComponent(v.name)}`}>{v.name}</a> <span class="muted">{v.vcpus} vCPU · {fmtBytes(v.memory * 1048576)}</span></li>)}</ul> : null}
          <a href="/vms">All VMs →</a>
        </section>
        <section class="card" aria-labelledby="hostfacts">
          <h2 id="hostfacts">Host</h2>
          {h ? (
            <dl class="facts">
              <dt>CPUs</dt><dd>{h.host_cpus}</dd>
              <dt>Memory</dt><dd>{fmtBytes(h.host_memory * 1048576)}</dd>
              <dt>Accelerator</dt><dd>{h.accel}</dd>
              <dt>QEMU</dt><dd>{h.qemu_version}</dd>
              {h.listen?.length ? <><dt>Listening on</dt><dd>{h.listen.join(", ")}</dd></> : null}
              {h.tls_fingerprint ? <><dt>TLS fingerprint</dt><dd><code class="wrap">{h.tls_fingerprint}</code></dd></> : null}
            </dl>
          ) : <Spinner />}
        </section>
      </div>
    </div>
  );
}
