// The reviewer's name (a setting stored in the database, recorded with every triage and decision):
// shown with a way to change it, or asked for when it is not set.
import { useState } from "react";
import * as ipc from "../ipc";

export function ReviewerName({ name, onSaved }: { name: string | null; onSaved: (name: string | null) => void }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(name ?? "");
  const [error, setError] = useState<string | null>(null);
  if (name && !editing) {
    return (
      <p className="reviewer" data-testid="reviewer-name" data-value={name}>
        Reviewer: <strong>{name}</strong>{" "}
        <button type="button" className="link" onClick={() => { setText(name); setEditing(true); }}>
          change
        </button>
      </p>
    );
  }
  return (
    <form
      className="reviewer filters"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        ipc.setReviewer(text).then(
          (saved) => {
            setEditing(false);
            onSaved(saved);
          },
          (err: unknown) => setError(String(err)),
        );
      }}
    >
      <label>
        Your name as reviewer (recorded with every triage and decision)
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder="e.g. Dana Smith" data-testid="reviewer-input" />
      </label>
      <button type="submit" data-testid="reviewer-save">Save</button>
      {error ? <span className="error-text" role="alert">{error}</span> : null}
    </form>
  );
}
