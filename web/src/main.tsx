import "./styles.css";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, isMissingRoute, onUnauthorized, post, type Whoami } from "./api";
import { interceptLinks, navigate, usePath } from "./router";
import { ErrorBox, Spinner } from "./components";
import { RoleContext, permissions } from "./role";
import { Overview } from "./pages/Overview";
import { VmList } from "./pages/VmList";
import { VmDetail } from "./pages/VmDetail";
import { CreateWizard } from "./pages/Create";
import { Networks } from "./pages/Networks";
import { Storage } from "./pages/Storage";
import { Events } from "./pages/Events";

type Session = { kind: "loading" } | { kind: "login"; error?: unknown } | { kind: "in"; who?: Whoami };

const nav = [
  { href: "/", label: "Overview" },
  { href: "/vms", label: "Virtual machines" },
  { href: "/create", label: "Create VM" },
  { href: "/networks", label: "Networks" },
  { href: "/storage", label: "Storage" },
  { href: "/events", label: "Events" },
];

function App() {
  const [session, setSession] = useState<Session>({ kind: "loading" });
  const path = usePath();
  const [menuOpen, setMenuOpen] = useState(false);

  const check = async () => {
    try {
      setSession({ kind: "in", who: await get<Whoami>("/v1/auth/whoami") });
    } catch (e) {
      // A vireod without the auth routes serves only its Unix socket's users: nothing to log in to.
      if (isMissingRoute(e)) setSession({ kind: "in" });
      else if (e instanceof ApiError && e.status === 401) setSession({ kind: "login" });
      else setSession({ kind: "login", error: e });
    }
  };
  useEffect(() => { check(); return onUnauthorized(() => setSession({ kind: "login" })); }, []);
  useEffect(() => setMenuOpen(false), [path]);

  if (session.kind === "loading") return <div class="center-page"><Spinner label="Connecting to vireod" /></div>;
  if (session.kind === "login") return <Login error={session.error} onDone={check} />;

  const logout = async () => {
    try { await post("/v1/auth/logout"); } catch { /* the cookie is gone either way */ }
    setSession({ kind: "login" });
  };
  const role = session.who?.role ?? "admin";
  const can = permissions(role).can;
  const active = (href: string) => (href === "/" ? path === "/" : path === href || path.startsWith(href + "/"));
  return (
    <RoleContext.Provider value={role}>
    <div class="shell" onClick={interceptLinks}>
      <a class="skip-link" href="#main">Skip to content</a>
      <header class="topbar">
        <button class="menu-toggle" aria-expanded={menuOpen} aria-controls="sidenav" onClick={() => setMenuOpen(!menuOpen)}>
          <span aria-hidden="true">☰</span><span class="sr-only">Menu</span>
        </button>
        <a href="/" class="brand"><span class="logo" aria-hidden="true">V</span>Vireo</a>
        <div class="topbar-right">
          {session.who ? <span class="who" title={`signed in through ${session.who.source}`}>{session.who.principal} · <strong>{session.who.role}</strong></span> : null}
          {session.who && session.who.source !== "unix" ? <button class="btn btn-ghost btn-small" onClick={logout}>Log out</button> : null}
        </div>
      </header>
      <nav id="sidenav" class={`sidenav${menuOpen ? " open" : ""}`} aria-label="Main">
        <ul>{nav.filter((n) => n.href !== "/create" || can("vm.create")).map((n) => <li key={n.href}><a href={n.href} aria-current={active(n.href) ? "page" : undefined}>{n.label}</a></li>)}</ul>
      </nav>
      <main id="main" tabIndex={-1}><Route path={path} /></main>
    </div>
    </RoleContext.Provider>
  );
}

function Route({ path }: { path: string }) {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return <Overview />;
  switch (parts[0]) {
    case "vms": return parts[1] ? <VmDetail key={parts[1]} name={parts[1]} tab={parts[2] ?? "overview"} /> : <VmList />;
    case "create": return <CreateWizard />;
    case "networks": return <Networks />;
    case "storage": return <Storage />;
    case "events": return <Events />;
    case "login": navigate("/", true); return null;
    default: return <div class="page"><h1>Not found</h1><p>No page at <code>{path}</code>. <a href="/">Go to the overview</a>.</p></div>;
  }
}

function Login({ error, onDone }: { error?: unknown; onDone: () => void }) {
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(error);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      await post("/v1/auth/login", { token: token.trim() });
      setToken("");
      onDone();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="center-page">
      <form class="login card" onSubmit={submit} aria-labelledby="login-title">
        <div class="brand big"><span class="logo" aria-hidden="true">V</span>Vireo</div>
        <h1 id="login-title">Sign in</h1>
        <p class="muted">Paste an API token. An administrator makes one with <code>vireo token create --role operator</code>.</p>
        <div class="field">
          <label for="token">Token</label>
          <input id="token" name="token" type="password" autocomplete="current-password" required autoFocus
            placeholder="vireo_…" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        </div>
        <ErrorBox error={failure} />
        <button class="btn btn-primary wide" type="submit" disabled={busy || token.trim() === ""}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
