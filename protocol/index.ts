export * from './canonical';
export * from './codes';
export * from './encoding';
export * from './errors';
export * from './iban';
export * from './routes';
export * from './schemas';
export * from './signing';
