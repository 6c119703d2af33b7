import { useId, useState, type RefObject } from 'react';
import { isValidIban, normalizeIban } from '../../../../protocol/iban';
import { useI18n } from '../i18n/I18nProvider';
import { IbanField } from './IbanField';
import { PayeeCheckMessage, usePayeeCheck } from './PayeeCheck';
import { Field } from './ui';

/**
 * A payee typed in the portal (a transfer's, a new beneficiary's): the name, the IBAN, the bank's Verification of
 * Payee as they are typed, and the person's explicit word when the name does not match. One place, so that a transfer
 * and a beneficiary can never check their payee differently.
 */
export function usePayeeEntry() {
  const [name, setName] = useState('');
  const [iban, setIban] = useState('');
  const [mismatchAcknowledged, setMismatchAcknowledged] = useState(false);
  const [showAcknowledgeError, setShowAcknowledgeError] = useState(false);
  const check = usePayeeCheck(name, iban);
  const checkId = useId();

  /** A new name or IBAN is a new check: an earlier "I maintain it" does not carry over. */
  function change(update: () => void) {
    update();
    setMismatchAcknowledged(false);
    setShowAcknowledgeError(false);
  }

  return {
    name, iban, check, checkId, mismatchAcknowledged, showAcknowledgeError,
    complete: name.trim() !== '' && isValidIban(iban),
    /** What is sent: the name trimmed, the IBAN without spaces. */
    payee: () => ({ name: name.trim(), iban: normalizeIban(iban) }),
    setName: (value: string) => change(() => setName(value)),
    setIban: (value: string) => change(() => setIban(value)),
    acknowledge(value: boolean) {
      setMismatchAcknowledged(value);
      if (value) setShowAcknowledgeError(false);
    },
    /**
     * Checked before anything is sent: false (and the acknowledgement box focused) when the bank says the name does
     * not match and the person has not said they maintain it.
     */
    async confirm(form: RefObject<HTMLFormElement | null>): Promise<boolean> {
      const answer = await check.checkNow();
      if (answer?.check.result === 'no_match' && !mismatchAcknowledged) {
        setShowAcknowledgeError(true);
        form.current?.querySelector<HTMLInputElement>('input[name="payeeMismatchAcknowledged"]')?.focus();
        return false;
      }
      return true;
    },
    reset() {
      setName('');
      setIban('');
      setMismatchAcknowledged(false);
      setShowAcknowledgeError(false);
    },
  };
}

export type PayeeEntry = ReturnType<typeof usePayeeEntry>;

/** The payee's name, IBAN and the bank's answer about them. */
export function PayeeFields({ entry, nameLabel, nameField, ibanLabel, submitted }: {
  entry: PayeeEntry;
  nameLabel: string;
  /** The name input's form name (`payeeName` for a transfer, `name` for a beneficiary). */
  nameField: string;
  ibanLabel: string;
  submitted: boolean;
}) {
  const { t } = useI18n();
  const nameError = submitted && entry.name.trim() === '' ? t.common.required : null;
  return (
    <>
      <Field label={nameLabel} error={nameError}>
        {(props) => (
          <input
            {...props}
            aria-describedby={[props['aria-describedby'], entry.checkId].filter(Boolean).join(' ')}
            name={nameField}
            value={entry.name}
            onChange={(event) => entry.setName(event.target.value)}
            onBlur={() => void entry.check.checkNow()}
            autoComplete="off"
            required
            maxLength={70}
          />
        )}
      </Field>
      <IbanField label={ibanLabel} value={entry.iban} onChange={entry.setIban} showErrors={submitted} onBlur={() => void entry.check.checkNow()} />
      <PayeeCheckMessage
        state={entry.check.state}
        id={entry.checkId}
        acknowledged={entry.mismatchAcknowledged}
        onAcknowledge={entry.acknowledge}
        onUseRegisteredName={entry.setName}
        showAcknowledgeError={entry.showAcknowledgeError}
      />
    </>
  );
}
