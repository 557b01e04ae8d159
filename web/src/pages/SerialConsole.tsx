import "@xterm/xterm/css/xterm.css";
import { useEffect, useRef, useState } from "preact/hooks";
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import { enc, wsUrl } from "../api";

type Status = { kind: "connecting" | "open" | "closed" | "failed"; text: string };

/** The VM's serial console (GET /v1/vms/{name}/console, raw bytes both ways) in xterm.js. */
export function SerialConsole({ name }: { name: string }) {
  const host = useRef<HTMLDivElement>(null);
  const [status, setStatus] = useState<Status>({ kind: "connecting", text: "Connecting…" });
  const [attempt, setAttempt] = useState({ n: 0, force: false });

  useEffect(() => {
    const term = new Terminal({
      cursorBlink: true, convertEol: false, scrollback: 5000, fontSize: 14,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', 'Liberation Mono', monospace",
      theme: { background: "#0f1419", foreground: "#e6e1cf", cursor: "#f29718" },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current!);
    fit.fit();
    const socket = new WebSocket(wsUrl(`/v1/vms/${enc(name)}/console${attempt.force ? "?force=true" : ""}`));
    socket.binaryType = "arraybuffer";
    let opened = false;
    // What the guest printed before this page attached (the serial log's tail) comes first; live bytes that arrive
    // meanwhile wait for it.
    let pending: Uint8Array[] | null = [];
    fetch(`/v1/vms/${enc(name)}/logs?tail=100`, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : ""))
      .catch(() => "")
      .then((text) => {
        if (text) term.write(text.replace(/\r?\n/g, "\r\n"));
        pending?.forEach((chunk) => term.write(chunk));
        pending = null;
      });
    socket.onopen = () => {
      opened = true;
      setStatus({ kind: "open", text: "Connected. Press Enter for a prompt." });
      term.focus();
      // Ask the guest for a fresh prompt, so the screen is not empty.
      socket.send(new TextEncoder().encode("\r"));
    };
    socket.onmessage = (e) => {
      const chunk = new Uint8Array(e.data as ArrayBuffer);
      if (pending) pending.push(chunk); else term.write(chunk);
    };
    socket.onclose = (e) => {
      if (!opened) setStatus({ kind: "failed", text: "Could not attach: the VM may have stopped, or its console is attached elsewhere (vireo console)." });
      else setStatus({ kind: "closed", text: `Disconnected${e.reason ? `: ${e.reason}` : ""} (WebSocket close ${e.code}).` });
    };
    const encoder = new TextEncoder();
    const input = term.onData((d) => { if (socket.readyState === WebSocket.OPEN) socket.send(encoder.encode(d)); });
    const binary = term.onBinary((d) => { if (socket.readyState === WebSocket.OPEN) socket.send(Uint8Array.from(d, (c) => c.charCodeAt(0))); });
    const onResize = () => fit.fit();
    window.addEventListener("resize", onResize);
    return () => {
      window.removeEventListener("resize", onResize);
      input.dispose(); binary.dispose();
      socket.onclose = null;
      socket.close();
      term.dispose();
    };
  }, [name, attempt]);

  return (
    <div class="console-wrap">
      <div class="console-bar">
        <span class={`conn conn-${status.kind}`} role="status" aria-live="polite">{status.text}</span>
        <span class="console-actions">
          {status.kind === "failed" || status.kind === "closed" ? <>
            <button class="btn btn-small" onClick={() => setAttempt({ n: attempt.n + 1, force: false })}>Reconnect</button>
            <button class="btn btn-small" onClick={() => setAttempt({ n: attempt.n + 1, force: true })} title="Detach the other client and attach here">Take over</button>
          </> : null}
        </span>
      </div>
      <div class="term-host" ref={host} aria-label={`Serial console of ${name}`} />
    </div>
  );
}
