// Labels for the account review's identity kinds and finding severities (display only; the values come from
// the engine).

const IDENTITY_KIND_LABELS: Record<string, string> = {
  root: "Root",
  user: "IAM user",
  role: "Role",
  identity_center_role: "Identity Center role",
  service_linked_role: "Service-linked role",
};

export function identityKindLabel(kind: string): string {
  return IDENTITY_KIND_LABELS[kind] ?? kind;
}

/** Severities, worst first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;

export function severityRank(s: string | null | undefined): number {
  const i = SEVERITIES.indexOf((s ?? "") as (typeof SEVERITIES)[number]);
  return i < 0 ? SEVERITIES.length : i;
}

/** `unused-permissions` → `Unused permissions`. */
export function findingKindLabel(kind: string): string {
  const text = kind.replaceAll("-", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
