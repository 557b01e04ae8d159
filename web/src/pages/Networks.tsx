import { useState } from "preact/hooks";
import { del, enc, get, post, type NetworkInfo, type VmSummary } from "../api";
import { ActionButton, ErrorBox, Field, NeedsRole, PageHeader, Spinner } from "../components";
import { byName, sortNames, usePoll } from "../util";
import { useRole } from "../role";

/** Networks with their state, VMs and port forwards; an admin can add and remove them here (others only see them). */
export function Networks() {
  const nets = usePoll((s) => get<NetworkInfo[]>("/v1/networks", s), 10000);
  const vms = usePoll((s) => get<VmSummary[]>("/v1/vms", s), 0);
  const [error, setError] = useState<unknown>();
  const [nf, setNf] = useState({ name: "", mode: "nat", subnet: "" });
  const { can } = useRole();
  return (
    <div class="page">
      <PageHeader title="Networks" />
      <NeedsRole what="Creating, starting, stopping and deleting networks and their port forwards" action="network.change" />
      <ErrorBox error={nets.error} onRetry={nets.reload} />
      <ErrorBox error={error} />
      {!nets.data && !nets.error ? <Spinner /> : null}
      {byName(nets.data).map((n) => <NetworkCard key={n.name} n={n} vms={byName(vms.data)} reload={nets.reload} onError={setError} />)}
      {can("network.change") ? <form class="card inline-form" onSubmit={async (e) => { e.preventDefault(); try { setError(undefined); await post("/v1/networks", { name: nf.name, mode: nf.mode, ...(nf.subnet ? { subnet: nf.subnet } : {}) }); setNf({ name: "", mode: "nat", subnet: "" }); nets.reload(); } catch (err) { setError(err); } }}>
        <h2 class="span-all">New network</h2>
        <Field id="net-name" label="Name"><input id="net-name" required value={nf.name} onInput={(e) => setNf({ ...nf, name: (e.target as HTMLInputElement).value })} /></Field>
        <Field id="net-mode" label="Mode"><select id="net-mode" value={nf.mode} onChange={(e) => setNf({ ...nf, mode: (e.target as HTMLSelectElement).value })}><option value="nat">NAT</option><option value="isolated">isolated</option><option value="routed">routed</option><option value="open">open</option></select></Field>
        <Field id="net-subnet" label="Subnet" hint="Empty: the next free /24"><input id="net-subnet" value={nf.subnet} placeholder="10.10.0.0/24" onInput={(e) => setNf({ ...nf, subnet: (e.target as HTMLInputElement).value })} /></Field>
        <button class="btn btn-primary" type="submit" disabled={!nf.name}>Create network</button>
      </form> : null}
    </div>
  );
}

function NetworkCard({ n, vms, reload, onError }: { n: NetworkInfo; vms: VmSummary[]; reload: () => void; onError: (e: unknown) => void }) {
  const [fw, setFw] = useState({ host_port: "", vm: "", guest_port: "", protocol: "tcp" });
  const id = `net-${n.name}`;
  const { can } = useRole();
  return (
    <section class="card" aria-labelledby={id}>
      <div class="card-head">
        <h2 id={id}>{n.name} <span class={`badge ${n.active ? "state-running" : "state-stopped"}`}><span class="dot" />{n.active ? "active" : "inactive"}</span></h2>
        {can("network.change") ? <div class="btn-group">
          {n.active ? <ActionButton onError={onError} onClick={async () => { await post(`/v1/networks/${enc(n.name)}/stop`); reload(); }}>Stop</ActionButton>
            : <ActionButton onError={onError} onClick={async () => { await post(`/v1/networks/${enc(n.name)}/start`); reload(); }}>Start</ActionButton>}
          <ActionButton kind="danger" onError={onError} confirm={`Delete the network ${n.name}?`} onClick={async () => { await del(`/v1/networks/${enc(n.name)}`); reload(); }}>Delete</ActionButton>
        </div> : null}
      </div>
      {n.reason ? <p class="warn-text">{n.reason}</p> : null}
      <dl class="facts inline">
        <dt>Mode</dt><dd>{n.mode}</dd>
        {n.subnet ? <><dt>Subnet</dt><dd>{n.subnet}</dd></> : null}
        {n.gateway ? <><dt>Gateway</dt><dd>{n.gateway}</dd></> : null}
        {n.dhcp_range ? <><dt>DHCP</dt><dd>{n.dhcp_range}</dd></> : null}
        {n.bridge ? <><dt>Bridge</dt><dd>{n.bridge}</dd></> : null}
        <dt>VMs</dt><dd>{n.vms.length ? sortNames(n.vms).map((v, i) => <>{i ? ", " : ""}<a href={`/vms/${enc(v)}`}>{v}</a></>) : "none"}</dd>
      </dl>
      <h3>Port forwards</h3>
      {n.forwards.length === 0 ? <p class="muted">None.</p> : (
        <div class="table-wrap"><table class="table">
          <thead><tr><th>Host</th><th>VM</th><th>Guest</th><th>Protocol</th>{can("forward.change") ? <th><span class="sr-only">Actions</span></th> : null}</tr></thead>
          <tbody>{n.forwards.map((f) => (
            <tr key={`${f.protocol}/${f.host_port}`}><td>{f.host_address ?? "*"}:{f.host_port}</td><td><a href={`/vms/${enc(f.vm)}`}>{f.vm}</a></td><td>{f.guest_address ?? "?"}:{f.guest_port}</td><td>{f.protocol}</td>
              {can("forward.change") ? <td><ActionButton kind="danger" onError={onError} onClick={async () => { await del(`/v1/networks/${enc(n.name)}/forwards/${f.protocol}/${f.host_port}${f.host_address ? `?hostAddress=${enc(f.host_address)}` : ""}`); reload(); }}>Remove</ActionButton></td> : null}</tr>
          ))}</tbody>
        </table></div>
      )}
      {can("forward.change") ? <form class="inline-form" onSubmit={async (e) => { e.preventDefault(); try { onError(undefined); await post(`/v1/networks/${enc(n.name)}/forwards`, { host_port: Number(fw.host_port), vm: fw.vm, guest_port: Number(fw.guest_port), protocol: fw.protocol }); setFw({ ...fw, host_port: "", guest_port: "" }); reload(); } catch (err) { onError(err); } }}>
        <Field id={`${id}-hp`} label="Host port"><input id={`${id}-hp`} type="number" min={1} max={65535} required value={fw.host_port} onInput={(e) => setFw({ ...fw, host_port: (e.target as HTMLInputElement).value })} /></Field>
        <Field id={`${id}-vm`} label="VM"><select id={`${id}-vm`} required value={fw.vm} onChange={(e) => setFw({ ...fw, vm: (e.target as HTMLSelectElement).value })}><option value="">Choose…</option>{vms.map((v) => <option key={v.name} value={v.name}>{v.name}</option>)}</select></Field>
        <Field id={`${id}-gp`} label="Guest port"><input id={`${id}-gp`} type="number" min={1} max={65535} required value={fw.guest_port} onInput={(e) => setFw({ ...fw, guest_port: (e.target as HTMLInputElement).value })} /></Field>
        <Field id={`${id}-pr`} label="Protocol"><select id={`${id}-pr`} value={fw.protocol} onChange={(e) => setFw({ ...fw, protocol: (e.target as HTMLSelectElement).value })}><option>tcp</option><option>udp</option></select></Field>
        <button class="btn btn-primary" type="submit">Add forward</button>
      </form> : null}
    </section>
  );
}
