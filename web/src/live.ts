import { get, isMissingRoute, type StatPoint, type StatsHistory } from "./api";
import { usePoll } from "./util";

// The graphs' data: GET /v1/stats/history (vireod's own ring buffer) when this vireod has it; otherwise rates this
// page computes from two readings of the cumulative counters of GET /v1/stats, kept for as long as the page is open.

interface Counters { pid?: number; clock_ns?: number; cpu?: { time_ns: number }; memory?: { rss_bytes?: number; actual_bytes?: number };
  disks?: { read_bytes?: number; write_bytes?: number }[]; nics?: { rx_bytes?: number; tx_bytes?: number }[] }
interface StatsReport { vms: (Counters & { name: string })[] }

const MAX_POINTS = 180;
const last = new Map<string, Counters>();
const series = new Map<string, StatPoint[]>();
const sum = (xs: (number | undefined)[] | undefined) => (xs ?? []).reduce<number>((a, b) => a + (b ?? 0), 0);

function add(name: string, c: Counters) {
  const prev = last.get(name);
  last.set(name, c);
  if (!prev || prev.pid !== c.pid || !prev.clock_ns || !c.clock_ns || c.clock_ns <= prev.clock_ns) return;
  const dt = (c.clock_ns - prev.clock_ns) / 1e9;
  const rate = (a: number, b: number) => Math.max(0, (a - b) / dt);
  const point: StatPoint = {
    t: Date.now(),
    cpu: rate(c.cpu?.time_ns ?? 0, prev.cpu?.time_ns ?? 0) / 1e9,
    mem: c.memory?.rss_bytes ?? c.memory?.actual_bytes ?? 0,
    disk_rd: rate(sum(c.disks?.map((d) => d.read_bytes)), sum(prev.disks?.map((d) => d.read_bytes))),
    disk_wr: rate(sum(c.disks?.map((d) => d.write_bytes)), sum(prev.disks?.map((d) => d.write_bytes))),
    net_rx: rate(sum(c.nics?.map((n) => n.rx_bytes)), sum(prev.nics?.map((n) => n.rx_bytes))),
    net_tx: rate(sum(c.nics?.map((n) => n.tx_bytes)), sum(prev.nics?.map((n) => n.tx_bytes))),
  };
  const list = series.get(name) ?? [];
  list.push(point);
  if (list.length > MAX_POINTS) list.splice(0, list.length - MAX_POINTS);
  series.set(name, list);
}

let historyMissing = false;

/** Per-VM usage points, newest last, and where they come from. */
export function useUsageSeries(vm?: string) {
  return usePoll(async (signal) => {
    if (!historyMissing) {
      try {
        const h = await get<StatsHistory>(`/v1/stats/history${vm ? `?vm=${encodeURIComponent(vm)}` : ""}`, signal);
        return { source: "history" as const, vms: h.vms ?? {} };
      } catch (e) {
        if (!isMissingRoute(e)) throw e;
        historyMissing = true;
      }
    }
    if (vm) add(vm, await get<Counters>(`/v1/vms/${encodeURIComponent(vm)}/stats`, signal));
    else for (const c of (await get<StatsReport>("/v1/stats", signal)).vms ?? []) add(c.name, c);
    return { source: "live" as const, vms: Object.fromEntries(series) as Record<string, StatPoint[]> };
  }, 5000, [vm]);
}
