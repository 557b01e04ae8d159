import { createContext } from "preact";
import { useContext } from "preact/hooks";

// What the signed-in caller may do, from GET /v1/auth/whoami's role, as src/Vireo.Daemon/AccessPolicy.cs decides it:
// viewer reads; operator also runs VMs, disks, snapshots, volumes, images and consoles; admin also changes networks,
// port forwards, host networking, tokens and the audit log. Controls the role cannot use are hidden or disabled.

export type Action =
  | "vm.lifecycle" | "vm.create" | "vm.edit" | "vm.delete" | "console" | "snapshot" | "storage"
  | "network.change" | "forward.change" | "host.change" | "tokens" | "audit";

const least: Record<Action, string> = {
  "vm.lifecycle": "operator", "vm.create": "operator", "vm.edit": "operator", "vm.delete": "operator",
  console: "operator", snapshot: "operator", storage: "operator",
  "network.change": "admin", "forward.change": "admin", "host.change": "admin", tokens: "admin", audit: "admin",
};

const rank = (role: string) => ["viewer", "operator", "admin"].indexOf(role);

/** The caller's role; a vireod without the auth routes serves only its Unix socket's users, who are admins. */
export const RoleContext = createContext<string>("admin");

export interface Permissions {
  role: string;
  /** Whether the role may do the action (an unknown role may do nothing). */
  can: (action: Action) => boolean;
  /** Why not, for a disabled control's title or a note: "Needs the operator role (signed in as viewer)." */
  why: (action: Action) => string;
}

export function permissions(role: string): Permissions {
  return {
    role,
    can: (a) => rank(role) >= 0 && rank(role) >= rank(least[a]),
    why: (a) => `Needs the ${least[a]} role (you are signed in as ${role}).`,
  };
}

export function useRole(): Permissions {
  return permissions(useContext(RoleContext));
}
