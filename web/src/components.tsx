import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError, isMissingRoute } from "./api";
import { fmtBytes } from "./util";
import { useRole, type Action } from "./role";

/** An API error as a person reads it: what happened (detail), what to do (hint), and each field's problem. */
export function ErrorBox({ error, onRetry, compact }: { error: unknown; onRetry?: () => void; compact?: boolean }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  return (
    <div class={`alert alert-error${compact ? " compact" : ""}`} role="alert">
      <div class="alert-title">{e ? `${e.title}${e.status ? ` (${e.status}${e.code && !e.code.startsWith("http_") ? ` ${e.code}` : ""})` : ""}` : "Error"}</div>
      <div class="alert-detail">{e ? e.detail : String((error as Error)?.message ?? error)}</div>
      {e?.errors?.length ? (
        <ul class="field-errors">
          {e.errors.map((f) => (
            <li key={f.field}>
              <code>{f.field}</code>{f.value !== undefined && f.value !== "" ? <> = <code>{f.value}</code></> : null}: {f.message}
              {f.hint ? <div class="hint">{f.hint}</div> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {e?.hint ? <div class="hint"><strong>Hint:</strong> {e.hint}</div> : null}
      {onRetry ? <button class="btn btn-small" onClick={onRetry}>Retry</button> : null}
    </div>
  );
}

/** The "this vireod does not have that part" state for routes added by other parts of the API. */
export function NotAvailable({ what }: { what: string }) {
  return <div class="alert alert-muted" role="status">{what} is not available from this vireod (the API answered 404).</div>;
}

export function Failure({ error, what, onRetry }: { error: unknown; what: string; onRetry?: () => void }) {
  return isMissingRoute(error) ? <NotAvailable what={what} /> : <ErrorBox error={error} onRetry={onRetry} />;
}

export function StateBadge({ state }: { state: string }) {
  return <span class={`badge state-${state}`}><span class="dot" aria-hidden="true" />{state}</span>;
}

export function Spinner({ label = "Loading" }: { label?: string }) {
  return <div class="loading" role="status"><span class="spinner" aria-hidden="true" />{label}…</div>;
}

/**
 * Capacity vs allocated vs used, on one track: the track is the capacity, the light band what VMs were given, the
 * dark band what they use now. Allocation beyond capacity (overcommit) is drawn to the edge and said in words.
 */
export function UsageBar({ label, capacity, allocated, used, format }: { label: string; capacity: number; allocated?: number; used?: number; format: (n: number) => string }) {
  const pct = (n?: number) => (n == null || capacity <= 0 ? 0 : Math.min(100, (n / capacity) * 100));
  const over = allocated != null && allocated > capacity;
  return (
    <div class="usage">
      <div class="usage-head">
        <span class="usage-label">{label}</span>
        <span class="usage-cap">capacity {format(capacity)}</span>
      </div>
      <div class="usage-track" role="img" aria-label={`${label}: used ${used != null ? format(used) : "unknown"}, allocated ${allocated != null ? format(allocated) : "unknown"} of ${format(capacity)}`}>
        {allocated != null ? <div class={`usage-alloc${over ? " over" : ""}`} style={{ width: `${pct(allocated)}%` }} /> : null}
        {used != null ? <div class="usage-used" style={{ width: `${pct(used)}%` }} /> : null}
      </div>
      <div class="usage-legend">
        {used == null ? null : <span><i class="key key-used" />used <strong>{used != null ? format(used) : "–"}</strong>{used != null && capacity > 0 ? ` (${Math.round((used / capacity) * 100)}%)` : ""}</span>}
        {allocated == null ? null : <span><i class="key key-alloc" />allocated <strong>{allocated != null ? format(allocated) : "–"}</strong>{allocated != null && capacity > 0 ? ` (${Math.round((allocated / capacity) * 100)}%)` : ""}</span>}
        {over ? <span class="over-text">overcommitted ×{(allocated! / capacity).toFixed(2)}</span> : null}
      </div>
    </div>
  );
}

export const bytesFmt = (n: number) => fmtBytes(n);

/** A small line chart of the last values; the newest value is written beside it. */
export function Sparkline({ values, label, format, max, width = 64, height = 26, pending }: { values: number[]; label: string; format: (n: number) => string; max?: number; width?: number; height?: number; pending?: boolean }) {
  // pending: the VM runs and its first sample is on its way (one every 5 s); a dash means there is nothing to measure.
  if (values.length === 0) return pending
    ? <span class="spark-empty spark-pending" title={`${label}: waiting for the first sample`}>collecting…</span>
    : <span class="spark-empty" title={`${label}: not running`}>–</span>;
  // One sample is a level, not a slope.
  if (values.length === 1) values = [values[0], values[0]];
  const top = Math.max(max ?? 0, ...values, 1e-9);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / top) * (height - 4)).toFixed(1)}`).join(" ");
  const last = values[values.length - 1];
  return (
    <span class="spark" title={`${label}: ${format(last)} now, peak ${format(Math.max(...values))}`}>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
        <polyline points={`0,${height} ${points} ${width},${height}`} class="spark-fill" />
        <polyline points={points} class="spark-line" />
      </svg>
      <span class="spark-value">{format(last)}</span>
    </span>
  );
}

/** A button that runs an async action, shows that it runs, and reports its error through onError. */
export function ActionButton({ onClick, children, kind = "secondary", disabled, onError, title, confirm }: {
  onClick: () => Promise<unknown>; children: ComponentChildren; kind?: "primary" | "secondary" | "danger"; disabled?: boolean; onError?: (e: unknown) => void; title?: string; confirm?: string;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <button type="button" class={`btn btn-${kind}`} disabled={disabled || busy} title={title} aria-busy={busy}
      onClick={async () => {
        if (confirm && !window.confirm(confirm)) return;
        setBusy(true);
        try { onError?.(undefined); await onClick(); } catch (e) { onError?.(e); } finally { setBusy(false); }
      }}>
      {busy ? <span class="spinner small" aria-hidden="true" /> : null}{children}
    </button>
  );
}

export function Field({ label, hint, children, id }: { label: string; hint?: string; children: ComponentChildren; id: string }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint ? <div class="field-hint" id={`${id}-hint`}>{hint}</div> : null}
    </div>
  );
}

export function PageHeader({ title, children, sub }: { title: ComponentChildren; children?: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <header class="page-header">
      <div><h1>{title}</h1>{sub ? <div class="page-sub">{sub}</div> : null}</div>
      {children ? <div class="page-actions">{children}</div> : null}
    </header>
  );
}

/** In place of controls the signed-in role may not use: what it would need (a viewer meets no 403 by clicking). */
export function NeedsRole({ what, action }: { what: string; action: Action }) {
  const { can, why } = useRole();
  if (can(action)) return null;
  return <p class="muted small needs-role" role="note">{what} {why(action).replace(/^Needs/, "need")}</p>;
}
