import { useId, useState } from 'react';
import { formatIban, isValidIban, normalizeIban } from '../../../../protocol/iban';
import { useI18n } from '../i18n/I18nProvider';

/**
 * An IBAN input checked as it is typed (mod-97 and country length, protocol/iban.ts). "Valid format" shows as soon
 * as it is; "invalid" waits until the person leaves the field or submits, so nobody is scolded mid-typing.
 */
export function IbanField({
  label,
  value,
  onChange,
  showErrors,
  name = 'iban',
  onBlur,
}: {
  label: string;
  value: string;
  onChange(value: string): void;
  showErrors: boolean;
  name?: string;
  onBlur?(): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [touched, setTouched] = useState(false);
  const normalized = normalizeIban(value);
  const valid = isValidIban(value);
  const invalidShown = !valid && (touched || showErrors) && normalized.length > 0;
  const missingShown = showErrors && normalized.length === 0;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        className="iban-input"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        onBlur={() => {
          setTouched(true);
          if (valid) onChange(formatIban(value));
          onBlur?.();
        }}
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        maxLength={42}
        required
        aria-invalid={invalidShown || missingShown ? true : undefined}
        aria-describedby={`${id}-status`}
      />
      {/* The format is all that can be told here: whose account it is, only the payee's bank says (PayeeCheck). */}
      <p id={`${id}-status`} className={invalidShown || missingShown ? 'field-error' : 'hint'} aria-live="polite">
        {valid ? (
          t.iban.validFormat(formatIban(value))
        ) : invalidShown ? (
          t.iban.invalid
        ) : missingShown ? (
          t.common.required
        ) : (
          t.iban.hint
        )}
      </p>
    </div>
  );
}
