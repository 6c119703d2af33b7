/**
 * OS notifications for new validations. A click opens the window on that validation; nothing can be approved
 * from the notification itself (no action buttons, no reply): the person must see the details that get signed.
 * A notification whose validation is no longer pending (decided elsewhere, expired) is withdrawn.
 */
import type { NativeImage, Notification } from 'electron';
import type { Language, NavigationTarget, PendingValidation } from '../../preload/contract';
import type { Logger, ShellElectron } from './electron-api';
import { notificationText, wordingFor } from './wording';

/** More new validations than this at once (e.g. after a night offline) give one summary notification. */
export const MAX_INDIVIDUAL_NOTIFICATIONS = 3;

export interface NotifierDeps {
  Notification: ShellElectron['Notification'];
  /** Read at each change: the person may switch notifications off or change language at any time. */
  preferences: () => { language: Language; notifications: boolean };
  open: (target: NavigationTarget) => void;
  logger: Logger;
  icon?: NativeImage;
}

export interface ValidationNotifier {
  /** Called with the whole pending list whenever it changes. */
  update(pending: PendingValidation[]): void;
  dispose(): void;
}

const keyOf = (validation: Pick<PendingValidation, 'accountId' | 'id'>) => `${validation.accountId}/${validation.id}`;

export function createValidationNotifier(deps: NotifierDeps): ValidationNotifier {
  const seen = new Set<string>();
  // Kept referenced: a Notification that is garbage-collected loses its click handler.
  const shown = new Map<string, Notification>();

  function show(key: string, options: { title: string; body: string }, target: NavigationTarget): void {
    const notification = new deps.Notification({
      title: options.title,
      body: options.body,
      ...(deps.icon ? { icon: deps.icon } : {}),
      actions: [],
      hasReply: false,
      urgency: 'normal',
      timeoutType: 'default',
    });
    notification.on('click', () => {
      deps.open(target);
      shown.delete(key);
    });
    notification.on('close', () => shown.delete(key));
    notification.on('failed', (_event, error) => {
      deps.logger.warn('a notification could not be shown', { error });
      shown.delete(key);
    });
    shown.set(key, notification);
    notification.show();
  }

  return {
    update(pending) {
      const current = new Set(pending.map(keyOf));
      for (const [key, notification] of shown) {
        if (key !== 'summary' && !current.has(key)) {
          notification.close();
          shown.delete(key);
        }
      }
      for (const key of seen) if (!current.has(key)) seen.delete(key);

      const fresh = pending.filter((validation) => !seen.has(keyOf(validation)));
      for (const validation of fresh) seen.add(keyOf(validation));
      if (fresh.length === 0) return;
      const { language, notifications } = deps.preferences();
      if (!notifications || !deps.Notification.isSupported()) return;

      if (fresh.length > MAX_INDIVIDUAL_NOTIFICATIONS) {
        const words = wordingFor(language).notification;
        shown.get('summary')?.close();
        show('summary', { title: words.summaryTitle(pending.length), body: words.summaryBody }, { screen: 'inbox' });
        return;
      }
      for (const validation of fresh) {
        show(keyOf(validation), notificationText(validation, language), {
          screen: 'validation', accountId: validation.accountId, validationId: validation.id,
        });
      }
    },
    dispose() {
      for (const notification of shown.values()) notification.close();
      shown.clear();
    },
  };
}
