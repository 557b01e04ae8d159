import { useEffect, useRef, useState, useCallback } from "preact/hooks";

export function fmtBytes(n: number | undefined | null, digits = 1): string {
  if (n == null || !isFinite(n)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  let v = Math.abs(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${n < 0 ? "-" : ""}${v.toFixed(i === 0 ? 0 : v >= 100 ? 0 : digits)} ${units[i]}`;
}
export const fmtRate = (n: number | undefined) => (n == null ? "–" : `${fmtBytes(n)}/s`);
export const fmtMiB = (mib: number) => fmtBytes(mib * 1024 * 1024);
export function fmtTime(iso: string | number) {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? String(iso) : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}
export function fmtAgo(iso: string) {
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/** Runs load() now and every intervalMs while the page is visible; returns the last data or error. */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    let controller: AbortController | undefined;
    const run = async () => {
      controller = new AbortController();
      try {
        const d = await loadRef.current(controller.signal);
        if (!stopped) { setData(d); setError(undefined); }
      } catch (e) {
        if (!stopped && (e as Error).name !== "AbortError") setError(e);
      }
      if (!stopped && intervalMs > 0) timer = window.setTimeout(run, document.hidden ? intervalMs * 4 : intervalMs);
    };
    run();
    return () => { stopped = true; window.clearTimeout(timer); controller?.abort(); };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload, setData };
}

/** Names as people count: vbench-2 before vbench-10. */
export const natural = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
export const byName = <T extends { name: string }>(xs: T[] | undefined): T[] => [...(xs ?? [])].sort((a, b) => natural.compare(a.name, b.name));
export const sortNames = (xs: string[] | undefined): string[] => [...(xs ?? [])].sort(natural.compare);
