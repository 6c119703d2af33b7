import type { SessionViewT } from '../../../../protocol/schemas';
import { useI18n } from '../i18n/I18nProvider';

type FirstConnectionStep = 'security_code' | 'change_secret' | 'install';

/** Where the person stands in the guide's first connection: Code Sécurité (primary administrator), Code Secret, Secure Access. */
export function StepIndicator({ session }: { session: SessionViewT }) {
  const { t } = useI18n();
  const steps: { step: FirstConnectionStep; label: string }[] = [
    ...(session.holder.role === 'primary_admin' ? [{ step: 'security_code' as const, label: t.steps.securityCode }] : []),
    { step: 'change_secret', label: t.steps.changeSecret },
    { step: 'install', label: t.steps.install },
  ];
  const currentIndex = steps.findIndex((entry) => entry.step === session.step);
  if (currentIndex < 0) return null;
  return (
    <nav aria-label={t.steps.label} className="steps">
      <ol>
        {steps.map((entry, index) => {
          const state = index < currentIndex ? 'done' : index === currentIndex ? 'current' : 'todo';
          return (
            <li key={entry.step} className={`step step-${state}`} aria-current={state === 'current' ? 'step' : undefined}>
              <span className="step-number" aria-hidden="true">
                {state === 'done' ? '✓' : index + 1}
              </span>
              <span>{entry.label}</span>
              {state !== 'todo' && <span className="visually-hidden"> ({state === 'done' ? t.steps.done : t.steps.current})</span>}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
