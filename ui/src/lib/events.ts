// Events pushed from Rust, heard only while a screen is open.
import { listen } from "@tauri-apps/api/event";

export interface Subscription {
  /** Resolves once the handler is in place: read the current state after it, so
   *  nothing pushed in between is missed. */
  ready: Promise<void>;
  /** Stops hearing it; safe before `ready` resolves. */
  stop: () => void;
}

export function subscribe<T>(event: string, handler: (payload: T) => void): Subscription {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  const ready = listen<T>(event, (e) => {
    if (!stopped) handler(e.payload);
  })
    .then((stop) => {
      if (stopped) stop();
      else unlisten = stop;
    })
    .catch(() => {});
  return {
    ready,
    stop: () => {
      stopped = true;
      unlisten?.();
    },
  };
}
