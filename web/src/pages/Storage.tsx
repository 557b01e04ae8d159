import { useState } from "preact/hooks";
import { del, enc, get, post, request, upload, type OperationInfo, type PoolInfo, type VolumeInfo } from "../api";
import { ActionButton, ErrorBox, Field, NeedsRole, PageHeader, Spinner, UsageBar } from "../components";
import { byName, fmtBytes, usePoll } from "../util";
import { useRole } from "../role";

/**
 * Pools with how full their file systems are, and their volumes. A volume is made empty, imported from a file on the
 * host (an operation), or uploaded from the browser (PUT .../content); operators can download one (GET .../content).
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
          {can("storage") ? <UploadVolume pool={p.name} reload={reload} onError={setError} /> : null}
        </section>
      ))}
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
          {can("storage") ? <td><DownloadLink pool={pool} v={v} onError={onError} /> <ActionButton kind="danger" disabled={v.used_by.length > 0} title={v.used_by.length ? "In use by a VM" : undefined} onError={onError} confirm={`Delete the volume ${pool}/${v.name}? Its data is lost.`} onClick={async () => { await del(`/v1/pools/${enc(pool)}/volumes/${enc(v.name)}`); reload(); }}>Delete</ActionButton></td> : null}</tr>
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

const contentPath = (pool: string, name: string) => `/v1/pools/${enc(pool)}/volumes/${enc(name)}/content`;

/**
 * A volume's file as a browser download. A HEAD first, so that a refusal (a linked clone, a running VM's disk) shows
 * its message here instead of downloading the problem document.
 */
function DownloadLink({ pool, v, onError }: { pool: string; v: VolumeInfo; onError: (e: unknown) => void }) {
  const href = contentPath(pool, v.name);
  const linked = v.backing_chain.length > 0;
  return (
    <a class="btn btn-secondary btn-sm" href={href} download={v.name} aria-disabled={linked} title={linked ? "A linked clone: convert or clone it into a stand-alone volume first" : `Download ${v.name} (${v.format})`}
      onClick={async (e) => {
        e.preventDefault();
        try {
          onError(undefined);
          const head = await fetch(href, { method: "HEAD", credentials: "same-origin" });
          if (!head.ok) await request("GET", href); // the refusal again, now with its problem document
          const a = document.createElement("a");
          a.href = href; a.download = v.name; document.body.appendChild(a); a.click(); a.remove();
        } catch (err) { onError(err); }
      }}>Download</a>
  );
}

/** Upload a local image file as a new volume: the format is declared (vireod checks it), progress and cancel. */
function UploadVolume({ pool, reload, onError }: { pool: string; reload: () => void; onError: (e: unknown) => void }) {
  const [file, setFile] = useState<File>();
  const [name, setName] = useState("");
  const [format, setFormat] = useState("qcow2");
  const [sent, setSent] = useState<{ sent: number; total: number }>();
  const [done, setDone] = useState<string>();
  const [abort, setAbort] = useState<AbortController>();
  const id = `up-${pool}`;
  const pick = (f: File | undefined) => {
    setFile(f); setDone(undefined);
    if (f) { setName(f.name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[^A-Za-z0-9]+/, "")); setFormat(/\.(img|raw|iso)$/i.test(f.name) ? "raw" : "qcow2"); }
  };
  return (
    <details class="more"><summary>Upload an image file into {pool}</summary>
      <form class="inline-form" onSubmit={async (e) => {
        e.preventDefault();
        if (!file) return;
        const form = e.currentTarget as HTMLFormElement;
        const controller = new AbortController();
        setAbort(controller); setSent({ sent: 0, total: file.size }); setDone(undefined); onError(undefined);
        try {
          const v = await upload<VolumeInfo>(`${contentPath(pool, name)}?format=${enc(format)}`, file, (s, t) => setSent({ sent: s, total: t }), controller.signal);
          setDone(`Volume ${v.volume} uploaded (${v.format}, ${fmtBytes(v.virtual_size_bytes)}).`);
          setFile(undefined); setName("");
          form.reset();
          reload();
        } catch (err) {
          if ((err as Error).name === "AbortError") setDone("Upload cancelled; nothing was kept.");
          else onError(err);
        } finally { setAbort(undefined); setSent(undefined); }
      }}>
        <Field id={`${id}-file`} label="Image file"><input id={`${id}-file`} type="file" required disabled={!!abort} onChange={(e) => pick((e.target as HTMLInputElement).files?.[0])} /></Field>
        <Field id={`${id}-name`} label="Volume name"><input id={`${id}-name`} required value={name} disabled={!!abort} onInput={(e) => setName((e.target as HTMLInputElement).value)} /></Field>
        <Field id={`${id}-fmt`} label="Its format"><select id={`${id}-fmt`} value={format} disabled={!!abort} onChange={(e) => setFormat((e.target as HTMLSelectElement).value)}><option>qcow2</option><option>raw</option></select></Field>
        {abort ? <button class="btn btn-secondary" type="button" onClick={() => abort.abort()}>Cancel</button>
          : <button class="btn btn-primary" type="submit" disabled={!file || !name}>Upload</button>}
      </form>
      {sent ? <div role="status"><progress id={`${id}-progress`} max={sent.total || 1} value={sent.sent} aria-label={`Uploading ${name}`} /> <span class="muted small">{fmtBytes(sent.sent)} of {fmtBytes(sent.total)}{sent.total ? ` (${Math.floor(sent.sent * 100 / sent.total)}%)` : ""}</span></div> : null}
      {done ? <p class="muted small" role="status">{done}</p> : null}
      <p class="muted small">The format is not guessed: vireod checks the file against it and refuses a qcow2 with a backing file, or a qcow2 sent as raw. A refused or cancelled upload leaves nothing behind.</p>
    </details>
  );
}
