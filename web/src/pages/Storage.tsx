import { useState } from "preact/hooks";
import { del, enc, get, post, type OperationInfo, type PoolInfo, type VolumeInfo } from "../api";
import { ActionButton, ErrorBox, Field, NeedsRole, PageHeader, Spinner, UsageBar } from "../components";
import { byName, fmtBytes, usePoll } from "../util";
import { useRole } from "../role";

/**
 * Pools with how full their file systems are, and their volumes. vireod's API has no upload or download of volume
 * contents (docs/api.md); a volume is filled from a file on the host (import), which runs as an operation.
 */
export function Storage() {
  const pools = usePoll((s) => get<PoolInfo[]>("/v1/pools", s), 15000);
  const volumes = usePoll((s) => get<VolumeInfo[]>("/v1/volumes", s), 15000);
  const [error, setError] = useState<unknown>();
  const [op, setOp] = useState<OperationInfo>();
  const reload = () => { pools.reload(); volumes.reload(); };
  const { can } = useRole();
  return (
    <div class="page">
      <PageHeader title="Storage" sub="Pools and volumes" />
      <NeedsRole what="Creating, importing and deleting volumes" action="storage" />
      <ErrorBox error={pools.error ?? volumes.error} onRetry={reload} />
      <ErrorBox error={error} />
      {op ? <div class={`alert ${op.status === "failed" ? "alert-error" : "alert-muted"}`} role="status">Operation {op.kind} on {op.target}: {op.status}{op.progress != null && op.status === "running" ? ` ${Math.round(op.progress * 100)}%` : ""}{op.error ? ` — ${op.error.detail}` : ""}</div> : null}
      {!pools.data && !pools.error ? <Spinner /> : null}
      {byName(pools.data).map((p) => (
        <section class="card" key={p.name} aria-labelledby={`pool-${p.name}`}>
          <div class="card-head"><h2 id={`pool-${p.name}`}>{p.name}</h2><span class="muted small"><code>{p.path}</code></span></div>
          {p.capacity_bytes ? <UsageBar label="File system" capacity={p.capacity_bytes} used={p.capacity_bytes - (p.available_bytes ?? 0)} format={(n) => fmtBytes(n)} /> : null}
          <VolumeTable pool={p.name} volumes={byName(volumes.data).filter((v) => v.pool === p.name)} reload={reload} onError={setError} />
          {can("storage") ? <NewVolume pool={p.name} reload={reload} onError={setError} onOperation={setOp} /> : null}
        </section>
      ))}
      {can("storage") ? <div class="alert alert-muted" role="note">Uploading and downloading volume contents through the browser is not offered: vireod's API has no such route yet. Import a file that is on the host instead (above), or copy it with scp.</div> : null}
    </div>
  );
}

function VolumeTable({ pool, volumes, reload, onError }: { pool: string; volumes: VolumeInfo[]; reload: () => void; onError: (e: unknown) => void }) {
  const { can } = useRole();
  if (volumes.length === 0) return <p class="muted">No volumes.</p>;
  return (
    <div class="table-wrap"><table class="table">
      <thead><tr><th>Name</th><th>Format</th><th>Size</th><th>On disk</th><th>Used by</th>{can("storage") ? <th><span class="sr-only">Actions</span></th> : null}</tr></thead>
      <tbody>{volumes.map((v) => (
        <tr key={v.name}><td>{v.name}{v.base ? <span class="badge badge-accent">base</span> : null}{v.backing_chain.length ? <div class="muted small">on {v.backing_chain[0] && typeof v.backing_chain[0] === "object" ? (v.backing_chain[0] as { volume?: string; path?: string }).volume ?? (v.backing_chain[0] as { path?: string }).path : String(v.backing_chain[0])}</div> : null}</td>
          <td>{v.format}</td><td class="num">{fmtBytes(v.virtual_size_bytes)}</td><td class="num">{fmtBytes(v.actual_size_bytes)}</td>
          <td>{v.used_by.length ? v.used_by.map((u, i) => <>{i ? ", " : ""}<a href={`/vms/${enc(u)}`}>{u}</a></>) : <span class="muted">–</span>}</td>
          {can("storage") ? <td><ActionButton kind="danger" disabled={v.used_by.length > 0} title={v.used_by.length ? "In use by a VM" : undefined} onError={onError} confirm={`Delete the volume ${pool}/${v.name}? Its data is lost.`} onClick={async () => { await del(`/v1/pools/${enc(pool)}/volumes/${enc(v.name)}`); reload(); }}>Delete</ActionButton></td> : null}</tr>
      ))}</tbody>
    </table></div>
  );
}

function NewVolume({ pool, reload, onError, onOperation }: { pool: string; reload: () => void; onError: (e: unknown) => void; onOperation: (o: OperationInfo) => void }) {
  const [f, setF] = useState({ name: "", size: "10G", format: "qcow2", from: "", sourceFormat: "qcow2" });
  const id = `vol-${pool}`;
  const follow = async (op: OperationInfo) => {
    onOperation(op);
    while (op.status === "running") { op = await get<OperationInfo>(`/v1/operations/${enc(op.id)}?wait_ms=1000`); onOperation(op); }
    reload();
  };
  return (
    <>
      <form class="inline-form" onSubmit={async (e) => { e.preventDefault(); try { onError(undefined); await post(`/v1/pools/${enc(pool)}/volumes`, { name: f.name, size: f.size, format: f.format }); setF({ ...f, name: "" }); reload(); } catch (err) { onError(err); } }}>
        <Field id={`${id}-name`} label="New volume"><input id={`${id}-name`} required value={f.name} placeholder="data.qcow2" onInput={(e) => setF({ ...f, name: (e.target as HTMLInputElement).value })} /></Field>
        <Field id={`${id}-size`} label="Size"><input id={`${id}-size`} required value={f.size} onInput={(e) => setF({ ...f, size: (e.target as HTMLInputElement).value })} /></Field>
        <Field id={`${id}-fmt`} label="Format"><select id={`${id}-fmt`} value={f.format} onChange={(e) => setF({ ...f, format: (e.target as HTMLSelectElement).value })}><option>qcow2</option><option>raw</option></select></Field>
        <button class="btn btn-primary" type="submit" disabled={!f.name}>Create</button>
      </form>
      <details class="more"><summary>Import a file from the host into {pool}</summary>
        <form class="inline-form" onSubmit={async (e) => { e.preventDefault(); try { onError(undefined); const op = await post<OperationInfo>(`/v1/pools/${enc(pool)}/volumes/${enc(f.name)}/import`, { from: f.from, source_format: f.sourceFormat, format: f.format }); await follow(op); } catch (err) { onError(err); } }}>
          <Field id={`${id}-from`} label="File on the host"><input id={`${id}-from`} required value={f.from} placeholder="/srv/images/disk.img" onInput={(e) => setF({ ...f, from: (e.target as HTMLInputElement).value })} /></Field>
          <Field id={`${id}-sfmt`} label="Its format"><select id={`${id}-sfmt`} value={f.sourceFormat} onChange={(e) => setF({ ...f, sourceFormat: (e.target as HTMLSelectElement).value })}><option>qcow2</option><option>raw</option><option>vmdk</option><option>vdi</option><option>vhdx</option></select></Field>
          <Field id={`${id}-iname`} label="Volume name"><input id={`${id}-iname`} required value={f.name} onInput={(e) => setF({ ...f, name: (e.target as HTMLInputElement).value })} /></Field>
          <button class="btn btn-secondary" type="submit" disabled={!f.name || !f.from}>Import</button>
        </form>
      </details>
    </>
  );
}
