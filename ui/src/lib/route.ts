// The screens and how to get to one.
import type { ActivityFilter, AlertFilter } from "../ipc";

export type Route =
  | { screen: "dashboard" }
  | { screen: "activity"; filter?: ActivityFilter }
  | { screen: "principals" }
  | { screen: "principal"; key: string }
  | { screen: "identity"; key: string }
  | { screen: "root" }
  | { screen: "connect" }
  | { screen: "alerts"; filter?: AlertFilter; selected?: number }
  | { screen: "alert-policy"; id: string }
  | { screen: "reviews" }
  | { screen: "review"; name: string }
  | { screen: "drift" }
  | { screen: "identities"; kind?: string }
  | { screen: "findings"; principal?: string; severity?: string; kind?: string };

export type Navigate = (r: Route) => void;

/** The main navigation, in order; keys 1–9 select them. */
export const NAV: { screen: Route["screen"]; label: string; later?: boolean }[] = [
  { screen: "dashboard", label: "Dashboard" },
  { screen: "activity", label: "Activity" },
  { screen: "principals", label: "Principals" },
  { screen: "root", label: "Root account" },
  { screen: "identities", label: "Identities" },
  { screen: "findings", label: "Findings" },
  { screen: "alerts", label: "Alerts" },
  { screen: "reviews", label: "Reviews" },
  { screen: "drift", label: "Drift" },
  { screen: "connect", label: "Connect to AWS" },
];
