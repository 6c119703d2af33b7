/**
 * The JSON Schema keywords TypeBox produces for the protocol's types (protocol/schemas.ts): what the reference
 * generator (scripts/generate-protocol-reference.ts) documents and the OpenAPI fuzzer (tests/fuzz) generates from.
 * Types only.
 */
export interface JsonSchema {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  description?: string;
}
