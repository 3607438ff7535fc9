// Display formatting only (numbers, times, labels); every value shown comes from the engine.

export function num(n: number): string {
  return n.toLocaleString("en-US");
}

export function pct(n: number): string {
  return `${n.toFixed(1)}%`;
}

/** `2024-05-01T12:03:04Z` → `2024-05-01 12:03:04 UTC`; a dash when absent. */
export function time(t: string | null | undefined): string {
  if (!t) return "—";
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(t);
  return m ? `${m[1]} ${m[2]} UTC` : t;
}

export function date(t: string | null | undefined): string {
  if (!t) return "—";
  return t.slice(0, 10);
}

/** Seconds as `1 m 05 s` / `12.3 s`. */
export function seconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  const r = Math.round(s - m * 60);
  return `${m} m ${String(r).padStart(2, "0")} s`;
}

const KIND_LABELS: Record<string, string> = {
  IamUser: "IAM user",
  RoleSession: "Role",
  Root: "Root",
  FederatedUser: "Federated user",
  AwsService: "AWS service",
  AwsAccount: "AWS account",
  Anonymous: "Anonymous",
  WebIdentityUser: "Web identity",
  SamlUser: "SAML user",
  IdentityCenterUser: "Identity Center user",
  Unknown: "Unknown",
  Missing: "No identity",
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

const OUTCOME_LABELS: Record<string, string> = {
  success: "Success",
  denied: "Denied",
  failed: "Failed",
  failed_before_authorization: "Failed (before authorization)",
};

export function outcomeLabel(o: string): string {
  return OUTCOME_LABELS[o] ?? o;
}

/** The last segment of an ARN-like key, for compact display. */
export function shortName(key: string): string {
  const slash = key.lastIndexOf("/");
  if (slash >= 0 && slash < key.length - 1) return key.slice(slash + 1);
  const colon = key.lastIndexOf(":");
  return colon >= 0 ? key.slice(colon + 1) || key : key;
}
