/**
 * The French wording (default), taken from the installation guide where it says it, with the glossary's terms
 * (docs/glossary.md) and French typography (no-break spaces before « : », fine ones before « ; ! ? », inside
 * guillemets and between a number and what it counts; typographic apostrophes). Both are checked by
 * tests/unit/wording. `Dictionary` is this object's type: the English dictionary must have every key, and every
 * error code must have a message, or nothing compiles.
 */
import type { AppErrorCode } from '../../preload/contract';
import type { ErrorFacts } from '../../protocol/errors';
import type { RoleT } from '../../protocol/schemas';

export interface MessageContext {
  facts: ErrorFacts;
  formatTime: (iso: string) => string;
}

export type ErrorMessages = Record<AppErrorCode, (context: MessageContext) => string>;

const NBSP = '\u00a0';

/** "3 essais": a number and what it counts stay on one line. */
const plural = (count: number, one: string, many: string) => `${count}${NBSP}${count > 1 ? many : one}`;

/** A masked phone number ("+33 6 •• •• •• 42") is read as one: it never breaks across lines. */
const unbroken = (text: string) => text.replace(/ /g, '\u00a0');

const attempts = (facts: ErrorFacts) =>
  facts.attemptsLeft === undefined ? '' : facts.attemptsLeft === 0 ? ' Il ne vous reste plus d’essai.' : ` Il vous reste ${plural(facts.attemptsLeft, 'essai', 'essais')}.`;

const errors: ErrorMessages = {
  bad_request: () => 'La demande n’a pas pu être traitée. Vérifiez les informations saisies.',
  body_too_large: () => 'La demande est trop volumineuse.',
  unsupported_media_type: () => 'La demande n’a pas pu être traitée (format non pris en charge).',
  not_found: () => 'Élément introuvable sur le serveur.',
  invalid_iban: () => 'L’IBAN n’est pas valide.',
  invalid_amount: () => 'Le montant n’est pas valide.',
  invalid_execution_date: () => 'La date d’exécution doit être aujourd’hui ou un jour suivant, dans un délai d’un an.',
  secret_code_too_weak: () => 'Ce Code Secret est trop simple.',
  secret_code_unchanged: () => 'Le nouveau Code Secret doit être différent de l’actuel.',
  security_phone_required: () => 'Aucun Téléphone Sécurité n’est déclaré. Contactez votre agence.',
  identifier_taken: () => 'Cet identifiant est déjà utilisé.',
  invalid_credentials: ({ facts }) => `Identifiant ou Code Secret incorrect.${attempts(facts)}`,
  account_locked: ({ facts, formatTime }) =>
    facts.lockedUntil
      ? `Votre accès est bloqué après trop d’essais. Réessayez après ${formatTime(facts.lockedUntil)}, ou contactez votre administrateur.`
      : 'Votre accès est bloqué. Contactez votre administrateur ou votre agence.',
  secret_code_change_required: () =>
    'Votre Code Secret est temporaire. Connectez-vous d’abord à votre Espace Client depuis votre ordinateur pour le modifier, puis revenez ici.',
  session_required: () => 'Votre session a pris fin. Recommencez.',
  session_expired: () => 'Votre session a expiré. Recommencez.',
  csrf_invalid: () => 'La demande a été refusée par sécurité. Recommencez.',
  step_required: () => 'Terminez d’abord l’étape en cours.',
  forbidden: () => 'Vous n’avez pas les droits pour cette action.',
  rate_limited: ({ facts }) =>
    facts.retryAfterSeconds ? `Trop de demandes. Réessayez dans ${plural(facts.retryAfterSeconds, 'seconde', 'secondes')}.` : 'Trop de demandes. Réessayez dans un instant.',
  security_code_invalid: ({ facts }) => `Code Sécurité incorrect.${attempts(facts)}`,
  security_code_expired: () => 'Ce Code Sécurité a expiré. Demandez-en un nouveau.',
  security_code_attempts_exhausted: () => 'Trop d’essais de Code Sécurité. Recommencez la connexion.',
  security_code_not_requested: () => 'Demandez d’abord votre Code Sécurité.',
  enrolment_not_found: () => 'Cette demande d’activation n’existe plus. Recommencez l’activation.',
  enrolment_closed: () => 'Cette demande d’activation est close. Recommencez l’activation.',
  channel_not_available: () => 'Ce mode d’envoi n’est pas disponible pour cet utilisateur.',
  activation_code_not_issued: () => 'Aucun code d’activation n’a encore été généré pour cet appareil.',
  activation_code_invalid: ({ facts }) => `Code d’activation incorrect. Vérifiez-le et saisissez-le de nouveau.${attempts(facts)}`,
  activation_code_expired: () => 'Ce code d’activation a expiré. Demandez-en un nouveau.',
  activation_code_used: () => `Ce code d’activation a déjà été utilisé${NBSP}: un code n’est valable qu’une seule fois. Demandez-en un nouveau.`,
  activation_attempts_exhausted: () => `Trop de codes incorrects${NBSP}: cette demande d’activation est annulée. Recommencez l’activation.`,
  device_limit_reached: ({ facts }) =>
    `Secure Access est déjà activé sur ${plural(facts.activeDevices ?? facts.maxDevices ?? 5, 'appareil', 'appareils')}, le maximum (${facts.maxDevices ?? 5}). Désactivez un appareil depuis votre Espace Client, puis recommencez.`,
  auth_missing: () => 'Cet appareil n’a pas pu être reconnu par le serveur.',
  auth_unknown_key: () => 'Cet appareil n’est plus reconnu par le serveur. Il a peut-être été désactivé.',
  auth_signature_invalid: () => 'La banque n’a pas reconnu la signature de cet appareil.',
  auth_timestamp_out_of_window: () => 'L’heure de cet ordinateur semble fausse. Vérifiez la date et l’heure, puis réessayez.',
  auth_replayed: () => 'Cette demande a déjà été reçue. Réessayez.',
  auth_token_invalid: () => 'Le serveur ne reconnaît plus la session de cet appareil. Réessayez.',
  auth_token_expired: () => 'La session de cet appareil auprès du serveur a expiré. Réessayez.',
  device_revoked: () => 'Cet appareil a été désactivé depuis l’Espace Client. Sa clé a été supprimée de cet ordinateur.',
  validation_not_found: () => 'Cette demande de validation n’existe plus.',
  validation_expired: () => 'Cette demande a expiré. Recommencez l’opération depuis votre Espace Client.',
  validation_already_decided: () => 'Cette demande n’est plus en attente.',
  details_mismatch: () => `Les détails de l’opération ne correspondent pas à ceux enregistrés par la banque${NBSP}: rien n’a été validé.`,
  number_mismatch: () => `Ce n’est pas le nombre affiché dans votre Espace Client${NBSP}: la connexion est refusée.`,
  decision_signature_invalid: () => `La banque n’a pas reconnu la signature de votre décision${NBSP}: rien n’a été enregistré.`,
  approval_code_invalid: ({ facts }) => `Code de validation incorrect.${attempts(facts)}`,
  approval_code_locked: () =>
    `Trop de codes de validation erronés${NBSP}: les validations sont bloquées sur cet ordinateur pour cet utilisateur. Réactivez Secure Access pour valider de nouveau.`,
  approval_code_not_set: () => 'Choisissez d’abord votre code de validation.',
  approval_code_already_set: () => 'Un code de validation est déjà choisi pour cet utilisateur sur cet ordinateur.',
  approval_code_too_weak: () => `Ce code de validation est trop simple${NBSP}: respectez chacune des règles indiquées.`,
  user_not_found: () => 'Utilisateur introuvable.',
  device_not_found: () => 'Appareil introuvable.',
  internal_error: () => 'Le serveur a rencontré une erreur. Réessayez dans un instant.',
  service_unavailable: () => 'Le service est momentanément indisponible. Réessayez dans un instant.',
  server_restarting: () => 'Le serveur redémarre. Réessayez dans un instant.',
  server_unreachable: () => 'Le serveur est injoignable. Vérifiez votre connexion Internet, puis réessayez.',
  invalid_input: () => 'Vérifiez les informations saisies.',
  account_not_found: () => 'Cet utilisateur n’est plus configuré sur cet ordinateur.',
  account_already_added: () => `Cet utilisateur est déjà actif sur cet ordinateur${NBSP}: il figure dans la liste des utilisateurs.`,
  validation_not_pending: () => 'Cette demande n’est plus en attente.',
  keychain_unavailable: () => 'Le trousseau sécurisé de l’ordinateur est indisponible. Déverrouillez votre session, puis réessayez.',
  keychain_missing: () => 'Cet ordinateur n’a pas de trousseau sécurisé où garder la clé de l’appareil (sous Linux : GNOME Keyring ou KWallet). Secure Access ne peut pas y être activé : contactez votre service informatique.',
  not_allowed_by_policy: () => 'Votre service informatique ne permet pas ce réglage.',
  unexpected_response: () => 'Réponse inattendue du serveur. Réessayez dans un instant.',
};

const roles: Record<RoleT, string> = {
  primary_admin: 'Administrateur principal',
  admin: 'Administrateur',
  user: 'Utilisateur',
};

/** What the confirmation says is about to be done; `onBehalfOf` on a shared computer. */
interface TransferSummary { amount: string; payee: string; accountName: string; accountIban: string; onBehalfOf: string | null }
interface BeneficiarySummary { name: string; onBehalfOf: string | null }
interface LoginSummary { number: number; onBehalfOf: string | null }

const onBehalf = (name: string | null) => (name ? `, au nom de ${name},` : '');

export const fr = {
  languageName: 'Français',
  appName: 'Secure Access',
  unexpectedError: 'Une erreur inattendue est survenue. Réessayez.',
  loading: 'Chargement…',
  back: 'Retour',
  cancel: 'Annuler',
  continue: 'Continuer',
  roles,
  errors,
  nav: {
    label: 'Navigation principale',
    inbox: 'Validations',
    accounts: 'Utilisateurs',
    settings: 'Réglages',
    pendingCount: (count: number) => plural(count, 'demande en attente', 'demandes en attente'),
  },
  connectivity: {
    offline: 'Hors connexion. Les nouvelles demandes arriveront dès le retour du réseau.',
    server_error: 'Le serveur ne répond pas correctement. Nouvelle tentative automatique.',
    connecting: 'Connexion au serveur…',
    nextRetry: (duration: string) => `Prochaine tentative dans ${duration}.`,
    checkNow: 'Vérifier maintenant',
    checking: 'Vérification…',
  },
  welcome: {
    title: 'Bienvenue dans Secure Access',
    addTitle: 'Ajouter un utilisateur sur cet ordinateur',
    intro:
      'Secure Access est une solution de sécurité renforcée qui permet d’accéder à votre Espace Client. Avec cet outil, votre ordinateur devient la clé pour vous authentifier et valider vos opérations sensibles.',
    addIntro:
      `Sur un ordinateur partagé, chaque utilisateur active Secure Access avec ses propres identifiants. L’application n’est installée qu’une seule fois${NBSP}; chaque utilisateur a sa propre clé.`,
    points: [
      'Vos connexions à l’Espace Client se valident ici, en un geste.',
      'Chaque virement est affiché en détail avant que vous ne le validiez.',
      'La clé de cet appareil reste dans le trousseau sécurisé de l’ordinateur.',
    ],
    needs: 'Munissez-vous de votre identifiant et de votre Code Secret. Un code d’activation relie Secure Access à un seul appareil pour un seul utilisateur.',
    serverLabel: 'Adresse du serveur de votre banque',
    serverHint: 'Indiquée par votre banque ou votre service informatique.',
    serverInvalid: 'Saisissez une adresse qui commence par https://',
    serverLocked: 'Serveur défini par votre service informatique',
    serverBuiltIn: 'Serveur de votre banque',
    serverChange: 'Utiliser un autre serveur',
    start: 'Commencer l’activation',
  },
  signIn: {
    title: 'Connectez-vous',
    intro: 'Utilisez l’identifiant et le Code Secret de votre Espace Client.',
    server: `Serveur${NBSP}:`,
    identifier: 'Identifiant',
    identifierInvalid: `L’identifiant compte de 3${NBSP}à 64${NBSP}caractères${NBSP}: lettres, chiffres, point, tiret ou souligné.`,
    secretCode: 'Code Secret',
    secretCodeInvalid: 'Saisissez votre Code Secret.',
    show: 'Afficher',
    hide: 'Masquer',
    showLabel: 'Afficher le Code Secret',
    hideLabel: 'Masquer le Code Secret',
    capsLock: `Attention${NBSP}: la touche Verr. Maj est activée.`,
    submit: 'Se connecter',
    submitting: 'Connexion…',
    temporaryTitle: 'Modifiez d’abord votre Code Secret temporaire',
  },
  nameDevice: {
    step: `Étape 1${NBSP}sur 4`,
    title: 'Personnalisez le nom de votre appareil',
    intro: 'Ce nom vous permettra, ainsi qu’à votre administrateur, de reconnaître cet ordinateur dans l’Espace Client.',
    label: 'Nom de l’appareil',
    hint: `De 1${NBSP}à 64${NBSP}caractères, par exemple «${NBSP}PC comptabilité – bureau 4${NBSP}».`,
    problems: {
      empty: 'Donnez un nom à cet appareil.',
      too_long: `Le nom ne doit pas dépasser 64${NBSP}caractères.`,
      control_characters: 'Le nom ne peut contenir que des caractères imprimables, sur une seule ligne.',
    },
    signedInAs: (name: string, company: string) => `Utilisateur${NBSP}: ${name} · ${company}`,
    submit: 'Enregistrer le nom',
  },
  requestCode: {
    step: `Étape 2${NBSP}sur 4`,
    title: 'Obtenez votre code d’activation',
    securityPhoneIntro: `Générez un code d’activation que vous recevrez sur votre Téléphone Sécurité, déclaré à la souscription${NBSP}:`,
    noPhone: 'Téléphone Sécurité',
    channelLegend: `Comment souhaitez-vous recevoir le code\u202f?`,
    sms: 'Par SMS',
    voice: 'Par service vocal',
    validity5min: `Le code est valable 5${NBSP}minutes.`,
    send: 'Recevoir mon code d’activation',
    sending: 'Envoi…',
    administrationIntro:
      `Cet appareil s’ajoute à ceux sur lesquels Secure Access est déjà actif${NBSP}: le code d’activation sera disponible immédiatement dans le module Administration de votre Espace Client.`,
    administratorIntro: `Faites votre demande de code d’activation${NBSP}: elle sera transmise à votre administrateur, qui vous communiquera le code.`,
    ask: 'Obtenir un code d’activation',
    asking: 'Demande en cours…',
    deviceName: 'Nom de l’appareil',
    rename: 'Modifier le nom',
  },
  waiting: {
    administrator: {
      title: 'Votre demande a été transmise à votre administrateur',
      intro: `Votre administrateur récupère le code dans son Espace Client${NBSP}: menu «${NBSP}Administration${NBSP}», onglet «${NBSP}Gestion de la sécurité${NBSP}», page «${NBSP}Activation${NBSP}».`,
      tellThem: `Indiquez-lui le nom de cet appareil${NBSP}:`,
      haveCode: 'J’ai reçu le code',
    },
    administration: {
      title: 'Générez votre code dans l’Espace Client',
      steps: [
        'Connectez-vous à votre Espace Client.',
        `Ouvrez le module Administration, onglet «${NBSP}Gestion de la sécurité${NBSP}», page «${NBSP}Activation${NBSP}».`,
        `Générez le code associé à cet appareil${NBSP}:`,
      ],
      haveCode: 'J’ai mon code d’activation',
    },
    validity: `Le code sera utilisable 24${NBSP}h à compter de sa génération, et une seule fois.`,
    watching: 'Cet écran passe à la saisie du code dès qu’il est généré.',
    refresh: 'Vérifier maintenant',
    checked: 'Le code n’a pas encore été généré.',
  },
  enterCode: {
    step: `Étape 3${NBSP}sur 4`,
    title: 'Saisissez votre code d’activation',
    introSms: (phone: string) => `Nous avons envoyé un code à 8${NBSP}chiffres par SMS au ${unbroken(phone)}.`,
    introVoice: (phone: string) => `Un service vocal vous dicte un code à 8${NBSP}chiffres au ${unbroken(phone)}.`,
    introAdministration: 'Saisissez le code généré dans le module Administration de votre Espace Client.',
    introAdministrator: 'Saisissez le code d’activation transmis par votre administrateur.',
    labelDigits: `Code d’activation (8${NBSP}chiffres)`,
    labelGrouped: `Code d’activation (12${NBSP}caractères)`,
    hintDigits: 'Vous pouvez coller le code, avec ou sans espaces.',
    hintGrouped: 'Format XXXX-XXXX-XXXX. Vous pouvez coller le code, avec ou sans tirets, en minuscules ou majuscules.',
    foreignCharacters: `Certains caractères ne font pas partie d’un code et ont été ignorés (les codes n’utilisent jamais I, O, 0${NBSP}ni 1).`,
    incomplete: (length: number) => `Le code compte ${plural(length, 'caractère', 'caractères')}.`,
    validFor: (duration: string) => `Code valable encore ${duration}`,
    validityUnknown: `Le code est utilisable 24${NBSP}h à compter de sa génération.`,
    expired: 'Ce code a expiré.',
    attemptsLeft: (count: number) => plural(count, 'essai restant', 'essais restants'),
    submit: 'Activer Secure Access',
    submitting: 'Activation…',
    newCode: 'Recevoir un nouveau code',
    askAdministrator: 'Demandez un nouveau code à votre administrateur.',
    deviceLimitTitle: 'Nombre maximum d’appareils atteint',
  },
  failed: {
    title: 'L’activation n’a pas abouti',
    body: `Trop de codes incorrects ont été saisis${NBSP}: cette demande d’activation a été annulée par sécurité. Vous pouvez recommencer depuis le début.`,
    restart: 'Recommencer l’activation',
  },
  activated: {
    title: 'Secure Access est actif',
    body: `Secure Access est maintenant activé sur votre appareil. Vous pouvez dès à présent vous connecter à votre Espace Client${NBSP}: toutes vos demandes d’authentification et de validation d’opérations seront validées via Secure Access.`,
    adviceTitle: 'Activez un second appareil',
    advice:
      'Nous vous conseillons fortement d’installer et d’activer Secure Access sur un second appareil, afin de pallier un oubli, un dysfonctionnement ou une perte d’appareil.',
    remaining: (remaining: number, active: number, max: number) =>
      remaining > 0
        ? `Vous pouvez encore l’activer sur ${plural(remaining, 'appareil', 'appareils')} (${active}${NBSP}sur ${max}${NBSP}utilisés).`
        : `Les ${plural(max, 'appareil autorisé est utilisé', 'appareils autorisés sont utilisés')}.`,
    adminHint: 'Le code d’activation sera cette fois-ci disponible immédiatement depuis votre Espace Client, dans le module Administration.',
    userHint: 'Pour chaque nouvel appareil, votre administrateur vous transmettra un nouveau code d’activation.',
    done: 'Terminer',
  },
  inbox: {
    title: 'Validations en attente',
    emptyTitle: 'Tout est en ordre',
    emptyBody: 'Aucune demande en attente. Quand vous vous connectez à votre Espace Client ou saisissez une opération, la demande apparaît ici.',
    emptyOfflineTitle: 'Aucune demande reçue',
    emptyOfflineBody: `Secure Access ne joint pas votre banque pour le moment${NBSP}: vos demandes s’afficheront ici dès le retour de la connexion.`,
    listLabel: 'Demandes à valider',
    listLabelFor: (person: string) => `Demandes à valider de ${person}`,
    timeLeft: (duration: string) => `Expire dans ${duration}`,
    noAccountTitle: 'Aucun utilisateur actif',
    noAccountBody: 'Activez Secure Access pour recevoir vos demandes de validation.',
    resume: 'Reprendre l’activation',
    activate: 'Activer Secure Access',
  },
  kinds: {
    login: 'Connexion',
    transfer: 'Virement',
    beneficiary: 'Nouveau bénéficiaire',
  },
  detail: {
    titles: {
      login: 'Demande de connexion',
      transfer: 'Virement à valider',
      beneficiary: 'Nouveau bénéficiaire à valider',
    },
    forUser: (name: string) => `Pour ${name}`,
    user: 'Utilisateur',
    company: 'Entreprise',
    initiator: 'Saisi par',
    debitAccount: 'Compte débité',
    payee: 'Bénéficiaire',
    payeeIban: 'IBAN du bénéficiaire',
    payeeCountry: 'Pays du bénéficiaire',
    abroad: 'Hors du pays du compte débité',
    ibanFormatValid: 'Format d’IBAN valide',
    ibanFormatInvalid: `Format d’IBAN non valide${NBSP}: ne validez pas`,
    toPayee: (payee: string) => `à ${payee}`,
    reference: 'Référence',
    noReference: 'Aucune',
    executionDate: 'Date d’exécution',
    today: 'aujourd’hui',
    enteredAt: 'Saisi le',
    from: 'Depuis',
    channels: { portal: 'Espace Client (navigateur)' },
    unknownBrowser: 'Navigateur non reconnu',
    requestedAt: 'Demandée le',
    ipAddress: 'Adresse IP',
    payeeCheck: {
      line: {
        match: 'Nom confirmé par la banque du bénéficiaire',
        close_match: 'Nom proche de celui du titulaire',
        no_match: 'Ce nom n’est pas celui du titulaire du compte',
        unavailable: 'Nom non vérifié par la banque du bénéficiaire',
      },
      noMatchTitle: 'Le nom ne correspond pas au titulaire du compte',
      noMatchBody: (entered: string) =>
        `La banque du bénéficiaire indique que «${NBSP}${entered}${NBSP}» n’est pas le nom du titulaire de cet IBAN. Ne validez que si vous avez vérifié l’IBAN auprès du bénéficiaire, par un autre moyen que le message qui vous l’a transmis.`,
      closeMatchTitle: 'Nom proche de celui du titulaire',
      closeMatchBody: (registered: string, entered: string) =>
        `La banque du bénéficiaire connaît ce compte au nom de «${NBSP}${registered}${NBSP}», et non «${NBSP}${entered}${NBSP}». Vérifiez qu’il s’agit bien du même bénéficiaire.`,
      unavailableTitle: 'Nom du bénéficiaire non vérifié',
      unavailableBody: `Sa banque n’a pas pu confirmer le titulaire de cet IBAN${NBSP}: assurez-vous que l’IBAN est bien celui du bénéficiaire.`,
      reminder: 'Le nom du bénéficiaire ne correspond pas au titulaire du compte.',
    },
    numberLegend: 'Sélectionnez le nombre affiché dans votre Espace Client',
    numberHint: 'Si aucun nombre ne s’affiche ou si ce n’est pas vous qui vous connectez, refusez.',
    chooseNumberFirst: 'Choisissez d’abord le nombre affiché dans votre Espace Client.',
    decisionLabel: 'Décision',
    approve: { login: 'Valider la connexion', transfer: 'Valider le virement', beneficiary: 'Valider le bénéficiaire' },
    reject: 'Refuser',
    confirmApproveTitle: `Confirmez-vous la validation\u202f?`,
    confirmApprove: {
      login: ({ number, onBehalfOf }: LoginSummary) =>
        `Vous allez valider${onBehalf(onBehalfOf)} la connexion à l’Espace Client avec le nombre ${number}.`,
      transfer: ({ amount, payee, accountName, accountIban, onBehalfOf }: TransferSummary) =>
        `Vous allez valider${onBehalf(onBehalfOf)} un virement de ${amount} à ${payee}, débité du compte «${NBSP}${accountName}${NBSP}» (${accountIban}).`,
      beneficiary: ({ name, onBehalfOf }: BeneficiarySummary) => `Vous allez valider${onBehalf(onBehalfOf)} l’ajout de ${name} à vos bénéficiaires.`,
    },
    confirmRejectTitle: `Refuser cette demande\u202f?`,
    confirmReject: {
      login: ({ onBehalfOf }: LoginSummary) => `Vous allez refuser${onBehalf(onBehalfOf)} cette connexion à l’Espace Client.`,
      transfer: ({ amount, payee, onBehalfOf }: TransferSummary) => `Vous allez refuser${onBehalf(onBehalfOf)} le virement de ${amount} à ${payee}${NBSP}: il ne sera pas exécuté.`,
      beneficiary: ({ name, onBehalfOf }: BeneficiarySummary) => `Vous allez refuser${onBehalf(onBehalfOf)} l’ajout de ${name} à vos bénéficiaires.`,
    },
    confirmRejectAdvice: 'Si vous n’êtes pas à l’origine de cette demande, prévenez votre administrateur.',
    confirmApproveButton: 'Oui, valider',
    confirmRejectButton: 'Oui, refuser',
    backToDetails: 'Revenir au détail',
    deciding: 'Envoi de votre décision…',
    expiredTitle: 'Cette demande a expiré',
    expiredBody: `Le délai est dépassé${NBSP}: rien n’a été validé. Recommencez l’opération depuis votre Espace Client si besoin.`,
    decidedTitle: 'Cette demande n’est plus en attente',
    decidedBy: {
      approved: (where: string, moment: string) => `Déjà validée ${where} ${moment}.`,
      rejected: (where: string, moment: string) => `Déjà refusée ${where} ${moment}.`,
    },
    onDevice: (device: string) => `sur «${NBSP}${device}${NBSP}»`,
    thisDevice: 'sur cet appareil',
    moment: (day: string | null, time: string) => (day ? `le ${day} à ${time}` : `à ${time}`),
    decidedUnknown: `Elle a été traitée sur un autre appareil ou a expiré. Votre Espace Client indique si elle a été validée ou refusée.`,
    notFoundTitle: 'Demande introuvable',
    notFoundBody: 'Cette demande n’est plus en attente sur cet ordinateur.',
    backToInbox: 'Retour aux validations',
  },
  result: {
    approved: { login: 'Connexion validée', transfer: 'Virement validé', beneficiary: 'Bénéficiaire validé' },
    rejected: 'Demande refusée',
    expired: 'Demande expirée',
    approvedBody: {
      login: `La banque a enregistré votre validation${NBSP}: votre Espace Client s’ouvre.`,
      transfer: (day: string) => `La banque a enregistré votre validation. Elle exécutera le virement à sa date d’exécution, le ${day}.`,
      beneficiary: `La banque a enregistré votre validation${NBSP}: ce bénéficiaire peut recevoir vos virements.`,
    },
    rejectedBody: {
      login: `La banque a enregistré votre refus${NBSP}: la connexion n’a pas lieu.`,
      transfer: `La banque a enregistré votre refus${NBSP}: le virement ne sera pas exécuté.`,
      beneficiary: `La banque a enregistré votre refus${NBSP}: ce bénéficiaire n’est pas ajouté.`,
    },
    expiredBody: `Le délai était dépassé${NBSP}: rien n’a été validé.`,
    at: (time: string) => `Le ${time}`,
  },
  accounts: {
    title: 'Utilisateurs de cet ordinateur',
    intro: 'Sur un ordinateur partagé, chaque utilisateur active Secure Access avec ses propres identifiants.',
    holder: 'Identifiant',
    company: 'Entreprise',
    role: 'Rôle',
    device: 'Nom de l’appareil',
    status: 'État',
    server: 'Serveur',
    devices: 'Appareils actifs',
    devicesCount: (active: number, max: number) => `${active}${NBSP}sur ${max}`,
    statuses: { activating: 'Activation en cours', active: 'Actif', locked: 'Validations bloquées', revoked: 'Désactivé' },
    resume: 'Reprendre l’activation',
    add: 'Ajouter un utilisateur',
    remove: 'Désactiver sur cet ordinateur',
    removeTitle: (name: string) => `Désactiver Secure Access pour ${name} sur cet ordinateur\u202f?`,
    removeBody:
      'Cet appareil sera désactivé auprès de votre banque et la clé sera supprimée du trousseau sécurisé de cet ordinateur. Pour utiliser de nouveau Secure Access ici, il faudra refaire une activation avec un nouveau code.',
    removeConfirm: 'Oui, désactiver et supprimer la clé',
    removing: 'Désactivation…',
    removed: (name: string) => `Secure Access est désactivé pour ${name} sur cet ordinateur${NBSP}; la clé a été supprimée.`,
    none: 'Aucun utilisateur n’est configuré sur cet ordinateur.',
  },
  approvalCode: {
    activationStep: `Étape 4${NBSP}sur 4`,
    setTitle: 'Choisissez votre code de validation',
    setIntro:
      `Ce code vous sera demandé à chaque validation${NBSP}: connexion à votre Espace Client, virement, nouveau bénéficiaire. Il vous est propre, sur cet ordinateur.`,
    setSecurity:
      `Il n’est enregistré nulle part et ne quitte jamais cet ordinateur${NBSP}: seule votre banque peut dire s’il est juste. Après 5${NBSP}codes erronés à la suite, les validations sont bloquées sur cet ordinateur et il faut réactiver Secure Access.`,
    codeLabel: 'Code de validation',
    confirmLabel: 'Confirmez le code de validation',
    currentLabel: 'Code de validation actuel',
    newLabel: 'Nouveau code de validation',
    confirmNewLabel: 'Confirmez le nouveau code',
    rulesTitle: `Votre code doit${NBSP}:`,
    rules: {
      length: (min: number) => `compter de ${min}${NBSP}à 12${NBSP}chiffres\u202f;`,
      digits: 'ne contenir que des chiffres\u202f;',
      repetition: 'ne pas répéter un chiffre ou un motif (111111, 121212)\u202f;',
      sequence: 'ne pas être une suite (123456, 987654)\u202f;',
      identifier: 'ne pas reprendre les chiffres de votre identifiant.',
    },
    ruleMet: `Règle respectée${NBSP}:`,
    ruleNotMet: `Règle non respectée${NBSP}:`,
    mismatch: 'Les deux codes ne sont pas identiques.',
    breaksRules: 'Ce code ne respecte pas toutes les règles.',
    sameAsCurrent: 'Le nouveau code doit être différent du code actuel.',
    submitSet: 'Enregistrer mon code',
    submitChange: 'Changer le code',
    saving: 'Enregistrement…',
    changeTitle: 'Changer le code de validation',
    changeIntro: `Saisissez votre code actuel, puis le nouveau, deux fois. Un code actuel erroné compte parmi les 5${NBSP}essais.`,
    changed: 'Code de validation modifié.',
    approveLabel: 'Code de validation',
    approveHint: `Le code que vous avez choisi sur cet ordinateur (6${NBSP}à 12${NBSP}chiffres).`,
    approveMissing: `Saisissez votre code de validation (6${NBSP}à 12${NBSP}chiffres).`,
    checking: 'Vérification du code…',
    forgot: 'Code oublié\u202f?',
    forgotBody:
      `Personne ne peut vous le redonner${NBSP}: il n’est enregistré ni sur cet ordinateur ni chez votre banque. Désactivez Secure Access pour vous sur cet ordinateur (Utilisateurs), puis activez-le de nouveau avec un nouveau code d’activation${NBSP}: vous choisirez alors un nouveau code de validation.`,
    goToAccounts: 'Aller aux utilisateurs',
    needCodeTitle: 'Choisissez d’abord votre code de validation',
    needCodeBody:
      'Chaque validation demande désormais un code de validation, en plus de cet ordinateur. Choisissez-le une fois, puis vous reviendrez à cette demande.',
    chooseNow: 'Choisir mon code de validation',
    lockedTitle: 'Validations bloquées sur cet ordinateur',
    lockedBody:
      `5${NBSP}codes de validation erronés ont été saisis à la suite. Par sécurité, votre banque a bloqué les validations depuis cet ordinateur${NBSP}: cet appareil ne compte plus parmi vos 5.`,
    lockedNext: `Pour valider de nouveau, réactivez Secure Access${NBSP}: votre Code Secret, un nouveau code d’activation, puis un nouveau code de validation.`,
    reactivate: 'Réactiver Secure Access',
    bannerMissing: (label: string) => `Choisissez le code de validation de ${label}${NBSP}: il est demandé à chaque validation.`,
    bannerLocked: (label: string) => `Validations bloquées pour ${label} après 5${NBSP}codes de validation erronés.`,
    accountFact: 'Code de validation',
    accountSet: 'Choisi',
    accountMissing: 'À choisir',
    change: 'Changer le code de validation',
    choose: 'Choisir le code de validation',
  },
  settings: {
    title: 'Réglages',
    language: 'Langue',
    general: 'Général',
    startAtLogin: 'Lancer Secure Access à l’ouverture de session',
    notifications: 'Afficher une notification pour chaque nouvelle demande',
    byPolicy: 'Fixé par votre service informatique.',
    saved: 'Réglage enregistré.',
    about: 'À propos',
    version: 'Version',
    platform: 'Système',
    platforms: { mac: 'macOS', windows: 'Windows', linux: 'Linux', other: 'Autre' },
    server: 'Serveur',
    serverLocked: 'Imposé par votre service informatique',
    policy: 'Politique en vigueur',
    policySource: 'Source',
    noPolicy: `Aucune politique d’entreprise${NBSP}: réglages par défaut.`,
    policyServer: 'Serveur imposé',
    policyAdditionalServers: 'Autres serveurs autorisés',
    policyStartAtLogin: 'Lancement à l’ouverture de session',
    policyUpdates: 'Mises à jour automatiques',
    policyApprovalCodeMinLength: 'Longueur minimale du code de validation',
    digits: (count: number) => `${count}${NBSP}chiffres`,
    policyErrors: 'Erreurs dans la politique (réglages par défaut appliqués)',
    yes: 'Oui',
    no: 'Non',
    notSet: 'Non défini',
  },
};

export type Dictionary = typeof fr;
