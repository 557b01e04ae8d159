import { useState } from "preact/hooks";
import { ApiError, del, enc, get, post, request, type ImageInfo, type NetworkInfo, type VmInfo, type VmSpec } from "../api";
import { ErrorBox, Field, PageHeader, Spinner } from "../components";
import { navigate } from "../router";
import { byName, fmtBytes, usePoll } from "../util";
import { useRole } from "../role";

type Source = "image" | "iso" | "kernel";
const steps = ["Source", "Resources", "Network", "Cloud-init", "Review"] as const;

interface Form {
  source: Source; image: string; iso: string; os: string; diskSize: string; kernel: string; initrd: string; cmdline: string;
  name: string; vcpus: string; memory: string; description: string; graphics: boolean; network: string; autostart: boolean;
  ciUser: string; ciHostname: string; ciKeys: string; ciPackages: string; start: boolean;
}

/** The wizard, for the roles that may create VMs; a viewer is told why not instead of meeting a 403 at the end. */
export function CreateWizard() {
  const { can, why } = useRole();
  if (can("vm.create")) return <Wizard />;
  return <div class="page"><PageHeader title="Create a virtual machine" /><div class="alert alert-muted" role="status">Creating VMs {why("vm.create").replace(/^Needs/, "needs")} <a href="/vms">See the VMs</a>.</div></div>;
}

/** From an image, an ISO or a kernel; network; cloud-init for disk images. Makes the root volume, then POST /v1/vms. */
function Wizard() {
  const images = usePoll((s) => get<ImageInfo[]>("/v1/images", s), 0);
  const networks = usePoll((s) => get<NetworkInfo[]>("/v1/networks", s), 0);
  const [step, setStep] = useState(0);
  const [f, setF] = useState<Form>({
    source: "image", image: "tiny", iso: "", os: "", diskSize: "10", kernel: "", initrd: "", cmdline: "console=ttyS0",
    name: "", vcpus: "1", memory: "", description: "", graphics: true, network: "default", autostart: false,
    ciUser: "", ciHostname: "", ciKeys: "", ciPackages: "", start: true,
  });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState("");
  const set = (k: keyof Form) => (e: Event) => { const t = e.target as HTMLInputElement; setF({ ...f, [k]: t.type === "checkbox" ? t.checked : t.value }); };
  const image = images.data?.find((i) => i.name === f.image);
  const diskImage = f.source === "image" && image?.kind === "disk";
  const hasCloudInit = diskImage || f.source === "iso";
  const rootVolume = diskImage ? `default/${f.name}-root.qcow2` : f.source === "iso" && Number(f.diskSize) > 0 ? `default/${f.name}-disk0.qcow2` : null;

  const spec = (): VmSpec => {
    const s: VmSpec = { name: f.name.trim(), vcpus: Number(f.vcpus) || 1, memory: 0, disks: [], nics: [] };
    if (f.memory.trim()) s.memory = Number(f.memory); else delete (s as Partial<VmSpec>).memory;
    if (f.description.trim()) s.description = f.description.trim();
    if (f.source === "image") s.image = f.image;
    if (f.source === "iso") {
      if (f.os.trim()) s.os = f.os.trim();
      if (rootVolume) s.disks.push({ volume: rootVolume });
      s.disks.push({ device: "cdrom", path: f.iso.trim() });
      (s.boot as Record<string, unknown>) = { once: ["cdrom"] };
    }
    if (f.source === "kernel") s.boot = { kernel: f.kernel.trim(), ...(f.initrd.trim() ? { initrd: f.initrd.trim() } : {}), ...(f.cmdline.trim() ? { cmdline: f.cmdline.trim() } : {}) };
    if (diskImage && rootVolume) s.disks.push({ volume: rootVolume });
    if (f.network === "@user") s.nics.push({ type: "user" });
    else if (f.network) s.nics.push({ type: "network", network: f.network });
    s.graphics = { type: f.graphics ? "vnc" : "none" };
    s.autostart = f.autostart;
    if (hasCloudInit && (f.ciUser || f.ciHostname || f.ciKeys || f.ciPackages)) {
      s.cloud_init = {
        ...(f.ciUser ? { user: f.ciUser.trim() } : {}), ...(f.ciHostname ? { hostname: f.ciHostname.trim() } : {}),
        ...(f.ciKeys.trim() ? { ssh_authorized_keys: f.ciKeys.split("\n").map((k) => k.trim()).filter(Boolean) } : {}),
        ...(f.ciPackages.trim() ? { packages: f.ciPackages.split(/[\s,]+/).filter(Boolean) } : {}),
      };
    }
    return s;
  };

  const [preview, setPreview] = useState<string>();
  const review = async () => {
    setError(undefined); setPreview(undefined); setBusy("Checking");
    try {
      const r = await request<string>("POST", `/v1/vms?dry_run=true${rootVolume ? `&new_volumes=${enc(rootVolume)}` : ""}`, JSON.stringify(spec()), { contentType: "application/json", accept: "text/yaml" });
      setPreview(r.data);
      setStep(4);
    } catch (e) { setError(e); } finally { setBusy(""); }
  };

  const create = async () => {
    setError(undefined);
    let made: string | null = null;
    try {
      if (rootVolume) {
        setBusy("Making the disk");
        const [pool, vol] = rootVolume.split("/");
        const body = diskImage ? { name: vol, format: "qcow2", backing: volumeOf(image!), ...(Number(f.diskSize) > 0 ? { size: `${f.diskSize}G` } : {}) } : { name: vol, format: "qcow2", size: `${f.diskSize}G` };
        await post(`/v1/pools/${enc(pool)}/volumes`, body);
        made = rootVolume;
      }
      setBusy("Defining the VM");
      const info = (await request<VmInfo>("POST", "/v1/vms", JSON.stringify(spec()), { contentType: "application/json" })).data;
      made = null;
      if (f.start) { setBusy("Starting it"); await post(`/v1/vms/${enc(info.name)}/start`); }
      navigate(`/vms/${enc(info.name)}`);
    } catch (e) {
      setError(e);
      if (made) { const [pool, vol] = made.split("/"); try { await del(`/v1/pools/${enc(pool)}/volumes/${enc(vol)}`); } catch { /* report the first error */ } }
    } finally { setBusy(""); }
  };

  const canNext = [
    f.source === "image" ? !!f.image : f.source === "iso" ? f.iso.trim().startsWith("/") : f.kernel.trim().startsWith("/"),
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(f.name.trim()), true, true, true,
  ];
  const next = (e: Event) => { e.preventDefault(); if (step === 3) review(); else setStep(step + 1); };

  return (
    <div class="page">
      <PageHeader title="Create a virtual machine" />
      <ol class="stepper" aria-label="Steps">
        {steps.map((s, i) => <li key={s} class={i === step ? "active" : i < step ? "done" : ""} aria-current={i === step ? "step" : undefined}>
          <button type="button" class="step-btn" disabled={i > step} onClick={() => setStep(i)}><span class="step-no">{i + 1}</span>{s}</button></li>)}
      </ol>
      <form class="card wizard" onSubmit={next} aria-labelledby="step-title">
        <h2 id="step-title">{steps[step]}</h2>
        {step === 0 ? (
          <>
            <fieldset class="choice">
              <legend>Install from</legend>
              {([["image", "An image", "A ready guest from the catalogue (tiny, debian-12…)"], ["iso", "An ISO", "Boot an installer from a CD image on the host"], ["kernel", "A kernel", "Boot a kernel and initrd directly"]] as const).map(([v, l, d]) => (
                <label key={v} class={`choice-card${f.source === v ? " checked" : ""}`}>
                  <input type="radio" name="source" value={v} checked={f.source === v} onChange={set("source")} />
                  <span><strong>{l}</strong><span class="muted small">{d}</span></span>
                </label>
              ))}
            </fieldset>
            {f.source === "image" ? (images.error ? <ErrorBox error={images.error} /> : !images.data ? <Spinner /> : (
              <Field id="image" label="Image">
                <select id="image" value={f.image} onChange={set("image")}>
                  {images.data.map((i) => <option key={i.name} value={i.name} disabled={!i.available}>{i.name} — {i.kind}{i.virtual_size_bytes ? `, ${fmtBytes(i.virtual_size_bytes)}` : ""}{i.available ? "" : " (not built)"}</option>)}
                </select>
              </Field>)) : null}
            {f.source === "image" && image?.description ? <p class="muted small">{image.description}</p> : null}
            {f.source === "iso" ? <>
              <Field id="iso" label="ISO file on the host" hint="An absolute path, e.g. /srv/iso/debian-12.iso"><input id="iso" value={f.iso} onInput={set("iso")} placeholder="/srv/iso/installer.iso" /></Field>
              <Field id="os" label="Operating system (optional)" hint="An osinfo short id such as debian12 or win2k22: it picks sensible memory, firmware and device models"><input id="os" value={f.os} onInput={set("os")} /></Field>
            </> : null}
            {f.source === "kernel" ? <>
              <Field id="kernel" label="Kernel"><input id="kernel" value={f.kernel} onInput={set("kernel")} placeholder="/var/lib/vireo/boot/vmlinuz" /></Field>
              <Field id="initrd" label="Initrd (optional)"><input id="initrd" value={f.initrd} onInput={set("initrd")} /></Field>
              <Field id="cmdline" label="Kernel command line"><input id="cmdline" value={f.cmdline} onInput={set("cmdline")} /></Field>
            </> : null}
          </>
        ) : null}
        {step === 1 ? (
          <div class="form-grid">
            <Field id="vm-name" label="Name" hint="Letters, digits, dot, dash and underscore"><input id="vm-name" required value={f.name} onInput={set("name")} autoFocus pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" /></Field>
            <Field id="vm-vcpus" label="vCPUs"><input id="vm-vcpus" type="number" min={1} value={f.vcpus} onInput={set("vcpus")} /></Field>
            <Field id="vm-memory" label="Memory (MiB)" hint="Empty: the image's or OS's default"><input id="vm-memory" type="number" min={16} value={f.memory} onInput={set("memory")} /></Field>
            {f.source === "iso" || diskImage ? <Field id="vm-disk" label={diskImage ? "Root disk size (GiB)" : "Disk size (GiB)"} hint={diskImage ? "Empty or 0: the image's size (a linked copy)" : "0: no disk"}><input id="vm-disk" type="number" min={0} value={f.diskSize} onInput={set("diskSize")} /></Field> : null}
            <Field id="vm-desc" label="Description"><input id="vm-desc" value={f.description} onInput={set("description")} /></Field>
            <div class="field"><label class="check"><input type="checkbox" checked={f.graphics} onChange={set("graphics")} /> Graphical console (VNC on 127.0.0.1, shown here through vireod)</label>
              <label class="check"><input type="checkbox" checked={f.autostart} onChange={set("autostart")} /> Start when vireod starts</label></div>
          </div>
        ) : null}
        {step === 2 ? (networks.error ? <ErrorBox error={networks.error} /> : (
          <fieldset class="choice">
            <legend>Connect the VM to</legend>
            {byName(networks.data).map((n) => (
              <label key={n.name} class={`choice-card${f.network === n.name ? " checked" : ""}`}>
                <input type="radio" name="network" value={n.name} checked={f.network === n.name} onChange={set("network")} />
                <span><strong>{n.name}</strong><span class="muted small">{n.mode}{n.subnet ? ` · ${n.subnet}` : ""}{n.active ? "" : " · stopped"}</span></span>
              </label>
            ))}
            <label class={`choice-card${f.network === "@user" ? " checked" : ""}`}><input type="radio" name="network" value="@user" checked={f.network === "@user"} onChange={set("network")} /><span><strong>User-mode</strong><span class="muted small">QEMU's own NAT, outbound only</span></span></label>
            <label class={`choice-card${f.network === "" ? " checked" : ""}`}><input type="radio" name="network" value="" checked={f.network === ""} onChange={set("network")} /><span><strong>No network</strong></span></label>
          </fieldset>)) : null}
        {step === 3 ? (hasCloudInit ? (
          <div class="form-grid">
            <p class="muted small span-all">Cloud-init configures the guest at its first boot (a NoCloud seed). Leave everything empty to skip it.</p>
            <Field id="ci-user" label="User"><input id="ci-user" value={f.ciUser} onInput={set("ciUser")} placeholder="ops" /></Field>
            <Field id="ci-host" label="Hostname"><input id="ci-host" value={f.ciHostname} onInput={set("ciHostname")} placeholder={f.name} /></Field>
            <Field id="ci-keys" label="SSH public keys" hint="One per line"><textarea id="ci-keys" rows={3} value={f.ciKeys} onInput={set("ciKeys")} placeholder="ssh-ed25519 AAAA… you@laptop" /></Field>
            <Field id="ci-pkgs" label="Packages to install" hint="Debian package names, separated by spaces"><input id="ci-pkgs" value={f.ciPackages} onInput={set("ciPackages")} placeholder="nginx curl" /></Field>
          </div>
        ) : <p class="muted">Cloud-init applies to disk images and installers; {f.source === "image" ? `the image ${f.image} configures itself` : "a directly booted kernel has none"}. Go on to the review.</p>) : null}
        {step === 4 ? (
          <>
            <p>vireod checked this definition; nothing has been made yet.{rootVolume ? <> The disk <code>{rootVolume}</code> is made first{diskImage ? ", as a linked copy of the image" : ""}.</> : null}</p>
            <pre class="spec-preview" aria-label="The VM definition">{preview}</pre>
            <label class="check"><input type="checkbox" checked={f.start} onChange={set("start")} /> Start the VM once it is created</label>
          </>
        ) : null}
        <ErrorBox error={error} />
        <div class="form-actions">
          {step > 0 ? <button type="button" class="btn btn-secondary" onClick={() => { setError(undefined); setStep(step - 1); }}>Back</button> : null}
          {step < 4 ? <button type="submit" class="btn btn-primary" disabled={!canNext[step] || !!busy}>{busy ? `${busy}…` : step === 3 ? "Review" : "Next"}</button>
            : <button type="button" class="btn btn-primary" disabled={!!busy} onClick={create}>{busy ? `${busy}…` : f.start ? "Create and start" : "Create"}</button>}
        </div>
      </form>
    </div>
  );
}

function volumeOf(image: ImageInfo) {
  const v = (image as ImageInfo & { volume?: string }).volume;
  if (!v) throw new ApiError(400, "invalid", "invalid request", `the image "${image.name}" has no base volume`);
  return v;
}
