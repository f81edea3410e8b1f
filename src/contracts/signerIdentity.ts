/** Who signs for a party named in the variables: the person, or for an enterprise its authorised agent. */
export interface SignerIdentity {
  name: string;
  idType: string;
  idNumber: string;
  mobile: string;
  /** The enterprise the agent signs for, when the party is not a person. */
  onBehalfOf?: string;
}

interface PartyVariables {
  name?: unknown;
  idType?: unknown;
  idNumber?: unknown;
  mobile?: unknown;
  agent?: PartyVariables;
}

export function signerIdentity(variables: Record<string, unknown>, role: string): SignerIdentity | undefined {
  const party = variables[role] as PartyVariables | undefined;
  if (!party) return undefined;
  const person = party.agent ?? party;
  if (typeof person.name !== 'string' || typeof person.idNumber !== 'string' || typeof person.mobile !== 'string') return undefined;
  return {
    name: person.name,
    idType: String(person.idType ?? 'other'),
    idNumber: person.idNumber,
    mobile: person.mobile,
    ...(party.agent && typeof party.name === 'string' ? { onBehalfOf: party.name } : {}),
  };
}

/** 138****3210: enough for the signer to recognise their phone, too little to be useful to anyone else. */
export function maskMobile(mobile: string): string {
  return mobile.length >= 7 ? `${mobile.slice(0, 3)}****${mobile.slice(-4)}` : '****';
}

/** 4602**********2423: enough to match a document, too little to reuse. */
export function maskIdNumber(id: string): string {
  return id.length > 8 ? `${id.slice(0, 4)}${'*'.repeat(id.length - 8)}${id.slice(-4)}` : '****';
}
