import type TestAgent from 'supertest/lib/agent';

/** The value of one sample of a Prometheus text exposition, e.g. `auth_sign_in_total{result="success"}`. */
export function sampleValue(exposition: string, sample: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

/** GET /metrics as text, asserting 200. */
export async function scrape(http: TestAgent, token?: string): Promise<string> {
  let request = http.get('/metrics');
  if (token !== undefined) request = request.set('Authorization', `Bearer ${token}`);
  const response = await request.expect(200);
  return response.text;
}
