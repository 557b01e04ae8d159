import { useEffect, useRef, useState } from "preact/hooks";
import RFB from "@novnc/novnc";
import { enc, wsUrl } from "../api";

type Status = { kind: "connecting" | "open" | "closed" | "failed"; text: string };

// X11 keysyms for the keys a browser would keep for itself.
const keys: Array<[string, Array<[number, string]>]> = [
  ["Ctrl+Alt+F1", [[0xffe3, "ControlLeft"], [0xffe9, "AltLeft"], [0xffbe, "F1"]]],
  ["Ctrl+Alt+F2", [[0xffe3, "ControlLeft"], [0xffe9, "AltLeft"], [0xffbf, "F2"]]],
  ["Ctrl+Alt+Backspace", [[0xffe3, "ControlLeft"], [0xffe9, "AltLeft"], [0xff08, "Backspace"]]],
  ["Esc", [[0xff1b, "Escape"]]],
  ["Tab", [[0xff09, "Tab"]]],
];

/** The VM's graphical console: noVNC over GET /v1/vms/{name}/vnc, which vireod relays to QEMU's VNC on 127.0.0.1. */
export function VncConsole({ name }: { name: string }) {
  const screen = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const [status, setStatus] = useState<Status>({ kind: "connecting", text: "Connecting…" });
  const [attempt, setAttempt] = useState(0);
  const [scale, setScale] = useState(true);
  const [typeText, setTypeText] = useState("");

  useEffect(() => {
    let rfb: RFB;
    try {
      rfb = new RFB(screen.current!, wsUrl(`/v1/vms/${enc(name)}/vnc`), { wsProtocols: ["binary"], shared: true });
    } catch (e) {
      setStatus({ kind: "failed", text: `Could not open the display: ${(e as Error).message}` });
      return;
    }
    rfb.scaleViewport = scale;
    rfb.background = "#0f1419";
    rfb.focusOnClick = true;
    rfbRef.current = rfb;
    rfb.addEventListener("connect", () => { setStatus({ kind: "open", text: "Connected. Click the screen to type into it." }); rfb.focus(); });
    rfb.addEventListener("disconnect", ((e: CustomEvent<{ clean: boolean }>) =>
      setStatus(e.detail?.clean ? { kind: "closed", text: "Disconnected." } : { kind: "failed", text: "The display connection failed or was lost (is the VM still running?)." })) as EventListener);
    rfb.addEventListener("credentialsrequired", () => setStatus({ kind: "failed", text: "The VNC server asks for a password, which Vireo's VNC never does." }));
    return () => { rfbRef.current = null; try { rfb.disconnect(); } catch { /* already closed */ } };
  }, [name, attempt]);

  useEffect(() => { if (rfbRef.current) rfbRef.current.scaleViewport = scale; }, [scale]);

  const send = (combo: Array<[number, string]>) => {
    const rfb = rfbRef.current;
    if (!rfb) return;
    combo.forEach(([sym, code]) => rfb.sendKey(sym, code, true));
    [...combo].reverse().forEach(([sym, code]) => rfb.sendKey(sym, code, false));
    rfb.focus();
  };
  // "Type text": pastes as keystrokes, since QEMU has no clipboard channel to the guest.
  const typeIt = (e: Event) => {
    e.preventDefault();
    const rfb = rfbRef.current;
    if (!rfb) return;
    for (const ch of typeText) {
      const cp = ch.codePointAt(0)!;
      const sym = ch === "\n" ? 0xff0d : cp < 0x100 ? cp : 0x01000000 | cp;
      rfb.sendKey(sym, null);
    }
    setTypeText("");
  };

  return (
    <div class="console-wrap">
      <div class="console-bar">
        <span class={`conn conn-${status.kind}`} role="status" aria-live="polite">{status.text}</span>
        <span class="console-actions">
          <button class="btn btn-small" disabled={status.kind !== "open"} onClick={() => rfbRef.current?.sendCtrlAltDel()}>Ctrl+Alt+Del</button>
          <label class="sr-only" for="vnc-keys">Send keys</label>
          <select id="vnc-keys" class="small-select" disabled={status.kind !== "open"} value="" onChange={(e) => { const k = keys.find(([l]) => l === (e.target as HTMLSelectElement).value); if (k) send(k[1]); }}>
            <option value="">Send keys…</option>{keys.map(([l]) => <option key={l} value={l}>{l}</option>)}
          </select>
          <label class="check small"><input type="checkbox" checked={scale} onChange={(e) => setScale((e.target as HTMLInputElement).checked)} /> Scale to fit</label>
          <button class="btn btn-small" onClick={() => screen.current?.requestFullscreen?.()}>Full screen</button>
          {status.kind === "failed" || status.kind === "closed" ? <button class="btn btn-small" onClick={() => setAttempt(attempt + 1)}>Reconnect</button> : null}
        </span>
      </div>
      <div class="vnc-screen" ref={screen} aria-label={`Display of ${name}`} />
      <form class="inline-form type-text" onSubmit={typeIt}>
        <div class="field"><label for="vnc-type">Type text into the guest</label>
          <input id="vnc-type" value={typeText} onInput={(e) => setTypeText((e.target as HTMLInputElement).value)} placeholder="Sent as keystrokes" /></div>
        <button class="btn btn-secondary" type="submit" disabled={status.kind !== "open" || !typeText}>Type</button>
      </form>
    </div>
  );
}
