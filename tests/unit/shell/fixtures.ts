/** Pending validations, accounts and a PNG reader for the shell's unit tests. */
import { inflateSync } from 'node:zlib';
import { expect } from 'vitest';
import type { AccountSummary, ConnectivityState, PendingValidation } from '../../../preload/contract';

const base = { createdAt: '2030-03-04T09:00:00.000Z', expiresAt: '2030-03-04T09:05:00.000Z', receivedAt: '2030-03-04T09:00:01.000Z', numberChoices: null };

export function transfer(id: string, overrides: Partial<{ amount: string; payeeName: string; accountId: string; accountLabel: string }> = {}): PendingValidation {
  return {
    ...base,
    accountId: overrides.accountId ?? 'acc_amartin0001',
    accountLabel: overrides.accountLabel ?? 'amartin · Durand Industrie',
    id,
    kind: 'transfer',
    details: {
      type: 'transfer', channel: 'portal', userDisplayName: 'Alice Martin', companyName: 'Durand Industrie', initiatorDisplayName: 'Alice Martin',
      amount: overrides.amount ?? '1250.00', currency: 'EUR', payeeName: overrides.payeeName ?? 'Fournisseur SA', iban: 'FR7630006000011234567890189',
      payeeCountry: 'FR', payeeCheck: { result: 'match', registeredName: null }, reference: 'Facture 2030-117', debitAccountName: 'Compte courant',
      debitAccountIban: 'FR7610107001011234567890129', executionDate: '2030-03-04', requestedAt: base.createdAt,
    },
  };
}

export function login(id: string): PendingValidation {
  return {
    ...base,
    accountId: 'acc_amartin0001',
    accountLabel: 'amartin · Durand Industrie',
    id,
    kind: 'login',
    numberChoices: [17, 42, 86],
    details: { type: 'login', channel: 'portal', userDisplayName: 'Alice Martin', companyName: 'Durand Industrie', ipAddress: '192.0.2.10', userAgent: 'Firefox 140', requestedAt: base.createdAt },
  };
}

export function beneficiary(id: string): PendingValidation {
  return {
    ...base,
    accountId: 'acc_amartin0001',
    accountLabel: 'amartin · Durand Industrie',
    id,
    kind: 'beneficiary',
    details: {
      type: 'beneficiary', channel: 'portal', userDisplayName: 'Alice Martin', companyName: 'Durand Industrie', initiatorDisplayName: 'Alice Martin',
      name: 'Atelier Moreau', iban: 'FR7630006000011234567890189', payeeCountry: 'FR', payeeCheck: { result: 'unavailable', registeredName: null },
      requestedAt: base.createdAt,
    },
  };
}

export function account(id: string, status: AccountSummary['status'] = 'active'): AccountSummary {
  return {
    id, serverUrl: 'https://espace-client.banque.example', identifier: 'amartin', displayName: 'Alice Martin', companyName: 'Durand Industrie',
    role: 'primary_admin', deviceName: 'amartin – PC-COMPTA-04', deviceId: status === 'active' ? 'dev_abcdefghij' : null, status,
    activation: null, activeDevices: 1, maxDevices: 5, createdAt: base.createdAt, activatedAt: status === 'active' ? base.createdAt : null,
    approvalCodeSet: status === 'active',
  };
}

export function connectivity(overall: ConnectivityState['overall']): ConnectivityState {
  return { overall, accounts: [] };
}

/** Reads back an 8-bit RGBA PNG written without row filters (icons.ts writes exactly that). */
export function readPng(png: Buffer): { size: number; pixel(x: number, y: number): [number, number, number, number] } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const size = png.readUInt32BE(16);
  const chunks: Buffer[] = [];
  for (let offset = 8; offset < png.length;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    if (type === 'IDAT') chunks.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  return {
    size,
    pixel(x, y) {
      const at = y * (size * 4 + 1) + 1 + x * 4;
      return [raw[at] ?? 0, raw[at + 1] ?? 0, raw[at + 2] ?? 0, raw[at + 3] ?? 0];
    },
  };
}
