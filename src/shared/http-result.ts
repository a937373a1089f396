/** A response as sent, or as stored for a replay. */
export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}
