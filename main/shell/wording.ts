/**
 * The few words the main process shows itself (tray menu, tooltip, notifications), in French by default and in
 * English, with the renderer's vocabulary ("Virement", "Nouveau bénéficiaire", "Validations en attente") and the
 * glossary's terms (docs/glossary.md), checked with the dictionaries by tests/unit/wording.
 */
import type { AccountStatus, Language, LinkState, PendingValidation } from '../../preload/contract';
import { maskIban } from '../../protocol/iban';

type Overall = LinkState | 'idle';

export interface ShellWording {
  locale: string;
  kinds: Record<PendingValidation['kind'], string>;
  link: Record<Overall, string>;
  accountStatus: Record<AccountStatus, string>;
  pendingCount(count: number): string;
  pendingHeader(count: number): string;
  more(count: number): string;
  open: string;
  accounts: string;
  addAccount: string;
  checkNow: string;
  quit: string;
  notification: {
    title: Record<PendingValidation['kind'], string>;
    toPayee(amount: string, payee: string): string;
    loginHint: string;
    summaryTitle(count: number): string;
    summaryBody: string;
  };
}

const NBSP = '\u00a0';

const FR: ShellWording = {
  locale: 'fr-FR',
  kinds: { login: 'Connexion', transfer: 'Virement', beneficiary: 'Nouveau bénéficiaire' },
  link: { idle: 'Aucun utilisateur actif', connecting: 'Connexion…', online: 'Connecté', offline: 'Hors connexion', server_error: 'Serveur indisponible' },
  accountStatus: { activating: 'activation en cours', active: 'actif', locked: 'validations bloquées', revoked: 'désactivé' },
  pendingCount: (count) => (count === 0 ? 'Aucune validation en attente' : `${count}${NBSP}validation${count > 1 ? 's' : ''} en attente`),
  pendingHeader: (count) => `Validations en attente (${count})`,
  more: (count) => `… et ${count}${NBSP}autre${count > 1 ? 's' : ''}`,
  open: 'Ouvrir Secure Access',
  accounts: 'Utilisateurs',
  addAccount: 'Ajouter un utilisateur…',
  checkNow: 'Vérifier maintenant',
  quit: 'Quitter Secure Access',
  notification: {
    title: { login: 'Connexion à votre Espace Client à valider', transfer: 'Virement à valider', beneficiary: 'Nouveau bénéficiaire à valider' },
    toPayee: (amount, payee) => `${amount} à ${payee}`,
    loginHint: 'Ouvrez Secure Access pour vérifier la demande et choisir le nombre affiché.',
    summaryTitle: (count) => `${count}${NBSP}validations en attente`,
    summaryBody: 'Ouvrez Secure Access pour les vérifier.',
  },
};

const EN: ShellWording = {
  locale: 'en-GB',
  kinds: { login: 'Login', transfer: 'Transfer', beneficiary: 'New payee' },
  link: { idle: 'No active user', connecting: 'Connecting…', online: 'Connected', offline: 'Offline', server_error: 'Server unavailable' },
  accountStatus: { activating: 'activation in progress', active: 'active', locked: 'approvals locked', revoked: 'deactivated' },
  pendingCount: (count) => (count === 0 ? 'No pending approval' : `${count} pending approval${count > 1 ? 's' : ''}`),
  pendingHeader: (count) => `Pending approvals (${count})`,
  more: (count) => `… and ${count} more`,
  open: 'Open Secure Access',
  accounts: 'Users',
  addAccount: 'Add a user…',
  checkNow: 'Check now',
  quit: 'Quit Secure Access',
  notification: {
    title: { login: 'Espace Client login to approve', transfer: 'Transfer to approve', beneficiary: 'New payee to approve' },
    toPayee: (amount, payee) => `${amount} to ${payee}`,
    loginHint: 'Open Secure Access to check the request and pick the number shown.',
    summaryTitle: (count) => `${count} pending approvals`,
    summaryBody: 'Open Secure Access to check them.',
  },
};

export function wordingFor(language: Language): ShellWording {
  return language === 'en' ? EN : FR;
}

/** "1 250,00 €" / "€1,250.00": the wire's decimal string, at most 10 integer digits, exact enough as a double. */
export function formatAmount(amount: string, currency: string, language: Language): string {
  return new Intl.NumberFormat(wordingFor(language).locale, { style: 'currency', currency }).format(Number(amount));
}

/**
 * A name as the bank's users typed it, in a first-strong isolate (U+2068 … U+2069): a payee or company name in
 * Arabic or Hebrew takes its own direction without reordering the amount, the IBAN or the separators around it
 * (the plain-text tray and notifications have no <bdi>; the names themselves may hold no bidi control, the
 * server refuses them: protocol/display-text.ts).
 */
export function isolated(name: string): string {
  return `\u2068${name}\u2069`;
}

/** One line for a menu item: kind, then what identifies it (amount and payee, payee, or the account). */
export function validationLine(validation: PendingValidation, language: Language): string {
  const words = wordingFor(language);
  const { details } = validation;
  switch (details.type) {
    case 'transfer':
      return `${words.kinds.transfer} · ${formatAmount(details.amount, details.currency, language)} · ${isolated(details.payeeName)}`;
    case 'beneficiary':
      return `${words.kinds.beneficiary} · ${isolated(details.name)}`;
    case 'login':
      return `${words.kinds.login} · ${isolated(validation.accountLabel)}`;
  }
}

/** Title and body of the OS notification: account, type, and for operations the amount and payee. */
export function notificationText(validation: PendingValidation, language: Language): { title: string; body: string } {
  const words = wordingFor(language).notification;
  const { details } = validation;
  switch (details.type) {
    case 'transfer':
      return {
        title: words.title.transfer,
        body: `${words.toPayee(formatAmount(details.amount, details.currency, language), isolated(details.payeeName))}\n${maskIban(details.iban)} · ${isolated(validation.accountLabel)}`,
      };
    case 'beneficiary':
      return { title: words.title.beneficiary, body: `${isolated(details.name)} · ${maskIban(details.iban)}\n${isolated(validation.accountLabel)}` };
    case 'login':
      return { title: words.title.login, body: `${isolated(validation.accountLabel)}\n${words.loginHint}` };
  }
}
