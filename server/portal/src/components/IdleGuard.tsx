import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { useI18n } from '../i18n/I18nProvider';
import { useSession } from '../session';

const WARNING_SECONDS = 60;
/** Activity keeps the server's session alive too, but at most one touch a minute. */
const SERVER_TOUCH_EVERY_MS = 60_000;
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'mousemove'] as const;

/**
 * Inactivity logout: after `timeoutSeconds` without a key press, click or mouse move, the session ends.
 * One minute before, a dialog warns and offers to stay connected; while it is open, only its buttons count.
 */
export function IdleGuard({ timeoutSeconds }: { timeoutSeconds: number }) {
  const { t } = useI18n();
  const { logout, apply } = useSession();
  const lastActivity = useRef(Date.now());
  const lastServerTouch = useRef(Date.now());
  const [secondsLeft, setSecondsLeft] = useState<number | null>(null);
  const warning = secondsLeft !== null;
  const warningRef = useRef(warning);
  warningRef.current = warning;
  const dialogRef = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const onActivity = () => {
      if (warningRef.current) return;
      const now = Date.now();
      lastActivity.current = now;
      if (now - lastServerTouch.current >= SERVER_TOUCH_EVERY_MS) {
        lastServerTouch.current = now;
        api.call('getSession').then(apply, () => undefined);
      }
    };
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, onActivity, { passive: true, capture: true });
    return () => {
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, onActivity, { capture: true });
    };
  }, [apply]);

  useEffect(() => {
    const timeoutMs = timeoutSeconds * 1000;
    const check = () => {
      const idleMs = Date.now() - lastActivity.current;
      if (idleMs >= timeoutMs) {
        void logout('idle');
        return;
      }
      const left = timeoutMs - idleMs;
      setSecondsLeft(left <= WARNING_SECONDS * 1000 ? Math.ceil(left / 1000) : null);
    };
    const timer = setInterval(check, 1_000);
    return () => clearInterval(timer);
  }, [timeoutSeconds, logout]);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (warning && !dialog.open) dialog.showModal();
    if (!warning && dialog.open) dialog.close();
  }, [warning]);

  function stay() {
    const now = Date.now();
    lastActivity.current = now;
    lastServerTouch.current = now;
    setSecondsLeft(null);
    api.call('getSession').then(apply, () => undefined);
  }

  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      role="alertdialog"
      aria-labelledby="idle-title"
      aria-describedby="idle-body"
      onCancel={(event) => {
        // Escape means "I am here".
        event.preventDefault();
        stay();
      }}
    >
      <h2 id="idle-title">{t.idle.title}</h2>
      <p id="idle-body">{secondsLeft !== null ? t.idle.body(secondsLeft) : ''}</p>
      <div className="actions">
        <button type="button" className="button-primary" onClick={stay} autoFocus>
          {t.idle.stay}
        </button>
        <button type="button" className="button-secondary" onClick={() => void logout('logged_out')}>
          {t.idle.logout}
        </button>
      </div>
    </dialog>
  );
}
