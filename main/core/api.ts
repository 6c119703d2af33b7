/**
 * What main/core offers its host: one async handler per bridge method (the shell registers them over IPC,
 * the renderer test harness over a Playwright binding) and the events the shell and renderer listen to.
 */
import type {
  BridgeEventName, BridgeEventPayload, BridgeMethodInput, BridgeMethodName, BridgeMethodOutput, PendingValidation,
} from '../../preload/contract';

export type CoreHandlers = {
  [M in BridgeMethodName]: (input: BridgeMethodInput<M>) => Promise<BridgeMethodOutput<M>>;
};

export type CoreEvents = {
  [E in BridgeEventName]: BridgeEventPayload<E>;
};

export interface AuthenticatorCore {
  readonly handlers: CoreHandlers;
  on<E extends BridgeEventName>(event: E, listener: (payload: CoreEvents[E]) => void): () => void;
  /** Starts the long-poll loops of the active accounts. */
  start(): Promise<void>;
  /** Stops every loop and pending request; resolves when nothing is left running. */
  stop(): Promise<void>;
  /** For the tray: the current pending list, without a round trip. */
  pendingNow(): PendingValidation[];
  /** Lets the shell send the renderer somewhere (a notification click, a tray item). */
  navigate(target: BridgeEventPayload<'onNavigate'>): void;
}
