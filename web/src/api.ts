// The vireod JSON API (docs/api.md): one fetch wrapper that turns every problem+json answer into an ApiError.

export interface FieldError { field: string; value?: string; message: string; hint?: string }

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    public title: string,
    public detail: string,
    public hint?: string,
    public errors: FieldError[] = [],
  ) {
    super(detail || title);
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
export function onUnauthorized(l: Listener) { unauthorizedListeners.add(l); return () => unauthorizedListeners.delete(l); }

export interface ApiResult<T> { data: T; etag: string | null; status: number }

export interface RequestOptions { ifMatch?: string | null; contentType?: string; accept?: string; signal?: AbortSignal }

export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { Accept: opts.accept ?? "application/json" };
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    if (typeof body === "string") { payload = body; headers["Content-Type"] = opts.contentType ?? "text/plain"; }
    else { payload = JSON.stringify(body); headers["Content-Type"] = "application/json"; }
  }
  // Cookie sessions must mark changes as coming from the UI (the daemon's CSRF check).
  if (method !== "GET" && method !== "HEAD") headers["X-Vireo-Csrf"] = "1";
  if (opts.ifMatch) headers["If-Match"] = opts.ifMatch;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: "same-origin", signal: opts.signal });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, "network", "cannot reach vireod", `The request did not reach the daemon: ${(e as Error).message}`, "Check that vireod is running and that this page's address is right.");
  }
  const type = response.headers.get("Content-Type") ?? "";
  const text = await response.text();
  if (!response.ok) {
    let problem: Partial<{ status: number; code: string; title: string; detail: string; hint: string; errors: FieldError[] }> = {};
    if (type.includes("json")) { try { problem = JSON.parse(text); } catch { /* not JSON after all */ } }
    const error = new ApiError(response.status, problem.code ?? `http_${response.status}`, problem.title ?? response.statusText,
      problem.detail ?? (text.slice(0, 300) || `${method} ${path} answered ${response.status}`), problem.hint, problem.errors ?? []);
    if (response.status === 401 && !path.startsWith("/v1/auth/")) unauthorizedListeners.forEach((l) => l());
    throw error;
  }
  const data = (type.includes("json") && text.length > 0 ? JSON.parse(text) : text) as T;
  return { data, etag: response.headers.get("ETag"), status: response.status };
}

export const get = async <T>(path: string, signal?: AbortSignal) => (await request<T>("GET", path, undefined, { signal })).data;
export const post = async <T>(path: string, body?: unknown) => (await request<T>("POST", path, body)).data;
export const del = async <T>(path: string) => (await request<T>("DELETE", path)).data;

/** A route the other parts of issue 17 add (stats history, host usage, events, auth): 404 means "not in this vireod". */
export function isMissingRoute(e: unknown) {
  return e instanceof ApiError && e.status === 404 && (e.code !== "not_found" || e.detail.startsWith("no such path"));
}

export function wsUrl(path: string) {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
}

export const enc = encodeURIComponent;

// --- the types of docs/api.md that the pages read (snake_case as on the wire) ---
export type VmState = "stopped" | "starting" | "running" | "paused" | "shutting-down" | "crashed" | string;
export interface VmSummary { name: string; uuid: string; state: VmState; vcpus: number; memory: number; autostart: boolean; pid?: number }
export interface DiskSpec { volume?: string; path?: string; format?: string; bus?: string; device?: string; readonly?: boolean; serial?: string }
export interface NicSpec { type: string; network?: string; bridge?: string; mac?: string; model?: string; link?: boolean }
export interface CloudInitSpec { user?: string; ssh_authorized_keys?: string[]; password_hash?: string; hostname?: string; packages?: string[]; user_data?: string; network_config?: string }
export interface VmSpec {
  name: string; uuid?: string; description?: string; image?: string; os?: string; vcpus: number; max_vcpus?: number; memory: number; max_memory?: number;
  machine?: string; boot?: { kernel?: string; initrd?: string; cmdline?: string; firmware?: string };
  disks: DiskSpec[]; nics: NicSpec[]; serial?: boolean; graphics?: { type: string; port?: number };
  autostart?: boolean; on_crash?: string; cloud_init?: CloudInitSpec;
}
export interface SpecChange { field: string; from?: string; to?: string; applied?: string; note?: string }
export interface VmInfo {
  name: string; uuid: string; state: VmState; reason?: string; spec: VmSpec; revision: number; pending_spec?: VmSpec;
  pending_changes?: SpecChange[]; runtime?: { pid: number; accel: string; accel_warning?: string; started_at: string; vnc_port?: number; qemu_status?: string };
  defined_at: string;
}
export interface EditResult { revision: number; changes: SpecChange[]; pending: SpecChange[]; message?: string }
export interface VmAddress { mac: string; network?: string; address: string; source: string }
export interface SnapshotInfo { name: string; vm: string; kind: string; vm_state: string; created_at: string; parent?: string; children: string[]; current: boolean; description?: string }
export interface ImageInfo { name: string; kind: string; available: boolean; description?: string; os?: string; virtual_size_bytes?: number; firmware?: string[] }
export interface HostInfo { version: string; hostname: string; qemu_version: string; accel: string; accel_warning?: string; host_cpus: number; host_memory: number; vms: number; active_vms: number; tls_fingerprint?: string; listen?: string[] }
export interface PortForward { network: string; protocol: string; host_address?: string; host_port: number; vm: string; guest_port: number; guest_address?: string }
export interface NetworkInfo { name: string; mode: string; subnet?: string; gateway?: string; dhcp_range?: string; bridge?: string; active: boolean; autostart: boolean; reason?: string; vms: string[]; forwards: PortForward[] }
export interface PoolInfo { name: string; type: string; path: string; available: boolean; capacity_bytes?: number; allocation_bytes?: number; available_bytes?: number; volumes: number }
export interface VolumeInfo { pool: string; name: string; volume: string; format: string; virtual_size_bytes: number; actual_size_bytes: number; used_by: string[]; base?: boolean; backing_chain: string[] }
export interface UsageTriple { capacity: number; allocated: number; used: number }
export interface HostUsage { cpu: UsageTriple; memory: UsageTriple; disk: UsageTriple }
export interface StatPoint { t: number; cpu: number; mem: number; disk_rd: number; disk_wr: number; net_rx: number; net_tx: number }
export interface StatsHistory { interval_seconds: number; vms: Record<string, StatPoint[]> }
export interface Whoami { principal: string; role: string; source: string }
export interface VireoEvent { seq: number; time: string; type: string; vm?: string; network?: string; pool?: string; operation?: string; state?: string; message?: string; progress?: number }
export interface OperationInfo { id: string; kind: string; target?: string; status: string; progress?: number; error?: { detail: string; hint?: string } }

/**
 * PUT of a file as the raw request body (a volume upload), with progress: fetch cannot report upload progress, so
 * this uses XMLHttpRequest. Sends X-Vireo-Csrf like every change; a problem answer becomes an ApiError.
 */
export function upload<T>(path: string, file: Blob, onProgress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", path);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-Vireo-Csrf", "1");
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () => reject(new ApiError(0, "network", "cannot reach vireod", "The upload did not reach the daemon (network error).", "Check that vireod is running, then upload again."));
    xhr.onabort = () => reject(new DOMException("The upload was cancelled", "AbortError"));
    xhr.onload = () => {
      const type = xhr.getResponseHeader("Content-Type") ?? "";
      if (xhr.status >= 200 && xhr.status < 300) { resolve((type.includes("json") && xhr.responseText ? JSON.parse(xhr.responseText) : xhr.responseText) as T); return; }
      let problem: Partial<{ code: string; title: string; detail: string; hint: string; errors: FieldError[] }> = {};
      if (type.includes("json")) { try { problem = JSON.parse(xhr.responseText); } catch { /* not JSON after all */ } }
      if (xhr.status === 401) unauthorizedListeners.forEach((l) => l());
      reject(new ApiError(xhr.status, problem.code ?? `http_${xhr.status}`, problem.title ?? xhr.statusText,
        problem.detail ?? (xhr.responseText.slice(0, 300) || `PUT ${path} answered ${xhr.status}`), problem.hint, problem.errors ?? []));
    };
    if (signal) { if (signal.aborted) { xhr.abort(); return; } signal.addEventListener("abort", () => xhr.abort(), { once: true }); }
    xhr.send(file);
  });
}
