/**
 * The approval code: digits a person chooses for their account on this computer, asked for at every approval (the
 * knowledge factor next to the device key). It never travels and the server never sees it: it unmasks the account's
 * approval key on the device (see docs/protocol.md, "Approval code"). What is here is pure and shared by the
 * screens (which show the rules as the person types) and the core (which refuses a code that breaks one).
 */

export const APPROVAL_CODE_MIN_LENGTH = 6;
export const APPROVAL_CODE_MAX_LENGTH = 12;

/** Each rule a new code must meet, in the order the screens show them. */
export const APPROVAL_CODE_RULES = ['length', 'digits', 'repetition', 'sequence', 'identifier'] as const;
export type ApprovalCodeRule = (typeof APPROVAL_CODE_RULES)[number];

export interface ApprovalCodeContext {
  /** At least APPROVAL_CODE_MIN_LENGTH; IT's policy may ask for more. */
  minLength: number;
  /** The account's Espace Client identifier: its digits are too easy to guess. */
  identifier: string;
}

const DIGITS = /^[0-9]*$/;

/** Whole code made of one short group repeated: 000000, 121212, 123123. */
function isRepetition(code: string): boolean {
  for (let size = 1; size <= code.length / 2; size++) {
    if (code.length % size !== 0) continue;
    const group = code.slice(0, size);
    if (group.repeat(code.length / size) === code) return true;
  }
  return false;
}

/** One run going up or down by one at each digit, wrapping around (123456, 890123, 654321, 210987). */
function isSequence(code: string): boolean {
  if (code.length < 2) return false;
  const steps = new Set<number>();
  for (let i = 1; i < code.length; i++) steps.add((Number(code[i]) - Number(code[i - 1]) + 10) % 10);
  return steps.size === 1 && (steps.has(1) || steps.has(9));
}

/** Runs of three digits or more in the identifier (claire.2026 → ["2026"]). */
function identifierDigitRuns(identifier: string): string[] {
  return identifier.match(/[0-9]{3,}/g) ?? [];
}

function reusesIdentifier(code: string, identifier: string): boolean {
  if (code.length === 0) return false;
  return identifierDigitRuns(identifier).some((run) => code.includes(run) || run.includes(code));
}

/** Whether each rule is met. An empty code meets none, so nothing shows as done before typing. */
export function approvalCodeChecks(code: string, context: ApprovalCodeContext): Record<ApprovalCodeRule, boolean> {
  const minLength = Math.max(APPROVAL_CODE_MIN_LENGTH, Math.min(APPROVAL_CODE_MAX_LENGTH, context.minLength));
  const typed = code.length > 0;
  const digits = typed && DIGITS.test(code);
  return {
    length: code.length >= minLength && code.length <= APPROVAL_CODE_MAX_LENGTH,
    digits,
    repetition: digits && !isRepetition(code),
    sequence: digits && !isSequence(code),
    identifier: digits && !reusesIdentifier(code, context.identifier),
  };
}

/** The first rule a new code breaks, or null when it may be used. */
export function approvalCodeProblem(code: string, context: ApprovalCodeContext): ApprovalCodeRule | null {
  const checks = approvalCodeChecks(code, context);
  return APPROVAL_CODE_RULES.find((rule) => !checks[rule]) ?? null;
}

/**
 * Whether a typed code can be an account's approval code at all (to approve, or to prove the current one): digits,
 * within the lengths any policy allows. A typo caught here costs no attempt; the policy's minimum applies only to a
 * new code (a code chosen before IT raised it still works).
 */
export function isApprovalCodeFormat(code: string): boolean {
  return code.length >= APPROVAL_CODE_MIN_LENGTH && code.length <= APPROVAL_CODE_MAX_LENGTH && DIGITS.test(code);
}
