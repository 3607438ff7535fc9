// Loads one identity for the detail screen: the identity (graph, granted vs used, findings), its right-size
// suggestion (separately: it replays the identity's calls) and its CloudTrail activity, all from the engine.
import { useCallback } from "react";
import * as ipc from "../ipc";
import { ErrorState, Loading } from "../components/States";
import { useLoad } from "../lib/useLoad";
import type { Navigate } from "../lib/route";
import { IdentityDetail, type ExportFormat } from "./IdentityDetail";

export function IdentityScreen({ identityKey, navigate, generation }: { identityKey: string; navigate: Navigate; generation: number }) {
  const detail = useLoad(() => ipc.identity(identityKey), [identityKey, generation]);
  const rightsize = useLoad(() => ipc.identityRightsize(identityKey), [identityKey, generation]);
  const activity = useLoad(() => ipc.principal(identityKey), [identityKey, generation]);
  const onExport = useCallback((format: ExportFormat) => ipc.exportRightsized(identityKey, format), [identityKey]);
  if (detail.error) return <ErrorState title="This identity could not be loaded" message={detail.error} />;
  if (detail.loading || !detail.data) return <Loading what="the identity" />;
  return (
    <IdentityDetail
      key={identityKey}
      detail={detail.data}
      rightsize={rightsize}
      activity={activity.data ?? null}
      navigate={navigate}
      onExport={onExport}
    />
  );
}
