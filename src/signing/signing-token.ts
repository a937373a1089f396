import { createHash, randomBytes } from 'node:crypto';

/** 256 random bits (the rule asks for at least 128), base64url: 43 characters. */
const TOKEN_BYTES = 32;

// base64url of 16 bytes or more; anything else cannot be a link's token.
const TOKEN = /^[A-Za-z0-9_-]{22,128}$/;

/** A new link token and the hash that is stored in its place. The token is shown once (signingUrl) and never stored. */
export function newSigningToken(): { token: string; tokenHash: string } {
  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, tokenHash: hashSigningToken(token) };
}

/** SHA-256 of the token, hex: what storage keeps and looks links up by. */
export const hashSigningToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export const isWellFormedToken = (token: string): boolean => TOKEN.test(token);

/** The link the signatory opens. */
export const signingUrl = (baseUrl: string, token: string): string => `${baseUrl}/sign/${token}`;
