import type { LookupAddress } from 'node:dns';
import { checkDestination, DestinationRefused, forbiddenAddress, pinnedLookup, type Resolver } from '../../src/notifications/destination-guard';

const PRODUCTION = { allowLocal: false };
const LOCAL = { allowLocal: true };

/** The reason a URL is refused for, or 'accepted'. */
async function verdict(url: string, policy = PRODUCTION, resolve?: Resolver): Promise<string> {
  try {
    await checkDestination(url, policy, resolve);
    return 'accepted';
  } catch (error) {
    if (error instanceof DestinationRefused) return error.message;
    throw error;
  }
}

/** Stands in for DNS where the rule is about what a name resolves to; real resolution is tested with localhost. */
const resolvesTo = (...addresses: string[]): Resolver => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('webhook destinations', () => {
  describe('in production (https, public addresses only)', () => {
    it.each([
      ['https://127.0.0.1/hook', 'is a loopback address; webhooks go to public addresses only.'],
      ['https://127.1.2.3/hook', 'is a loopback address; webhooks go to public addresses only.'],
      ['https://localhost/hook', 'resolves to a loopback address; webhooks go to public addresses only.'],
      ['https://LOCALHOST:8443/hook', 'resolves to a loopback address; webhooks go to public addresses only.'],
      ['https://[::1]/hook', 'is a loopback address; webhooks go to public addresses only.'],
      ['https://10.1.2.3/hook', 'is a private address; webhooks go to public addresses only.'],
      ['https://172.16.0.1/hook', 'is a private address; webhooks go to public addresses only.'],
      ['https://192.168.1.10/hook', 'is a private address; webhooks go to public addresses only.'],
      ['https://169.254.169.254/latest/meta-data', 'is a link-local address; webhooks go to public addresses only.'],
      ['https://[fe80::1]/hook', 'is a link-local address; webhooks go to public addresses only.'],
      ['https://[fc00::1]/hook', 'is a private address; webhooks go to public addresses only.'],
      ['https://[fd12:3456::1]/hook', 'is a private address; webhooks go to public addresses only.'],
      ['https://0.0.0.0/hook', 'is an unspecified address; webhooks go to public addresses only.'],
      ['https://[::]/hook', 'is an unspecified address; webhooks go to public addresses only.'],
      ['https://224.0.0.1/hook', 'is a multicast address; webhooks go to public addresses only.'],
      ['https://[ff02::1]/hook', 'is a multicast address; webhooks go to public addresses only.'],
      ['https://100.64.0.1/hook', 'is a carrier-grade NAT address; webhooks go to public addresses only.'],
      ['https://255.255.255.255/hook', 'is a broadcast address; webhooks go to public addresses only.'],
      // IPv4-mapped IPv6 is judged as the IPv4 address; other forms that embed one (NAT64, 6to4, ::a.b.c.d) are refused.
      ['https://[::ffff:127.0.0.1]/hook', 'is a loopback address; webhooks go to public addresses only.'],
      ['https://[::ffff:10.0.0.1]/hook', 'is a private address; webhooks go to public addresses only.'],
      ['https://[::ffff:169.254.169.254]/hook', 'is a link-local address; webhooks go to public addresses only.'],
      ['https://[64:ff9b::7f00:1]/hook', 'is a reserved (special-purpose) address; webhooks go to public addresses only.'],
      ['https://[2002:7f00:1::]/hook', 'is a reserved (special-purpose) address; webhooks go to public addresses only.'],
      ['https://[::127.0.0.1]/hook', 'is a reserved (special-purpose) address; webhooks go to public addresses only.'],
      // The URL parser's other spellings of 127.0.0.1.
      ['https://2130706433/hook', 'is a loopback address; webhooks go to public addresses only.'],
      ['https://0x7f.1/hook', 'is a loopback address; webhooks go to public addresses only.'],
      ['https://0177.0.0.1/hook', 'is a loopback address; webhooks go to public addresses only.'],
      ['https://192.0.2.10/hook', 'is a reserved (special-purpose) address; webhooks go to public addresses only.'],
    ])('refuses %s', async (url, reason) => {
      expect(await verdict(url)).toBe(reason);
    });

    it('accepts a public address, without any network call', async () => {
      const resolve = jest.fn(resolvesTo('127.0.0.1'));
      expect(await verdict('https://93.184.215.14/hook', PRODUCTION, resolve)).toBe('accepted');
      expect(await verdict('https://[2606:4700:4700::1111]:8443/hook', PRODUCTION, resolve)).toBe('accepted');
      expect(await verdict('https://[::ffff:8.8.8.8]/hook', PRODUCTION, resolve)).toBe('accepted');
      expect(resolve).not.toHaveBeenCalled();
    });

    it('accepts a name that resolves to public addresses only, and returns them for the connection', async () => {
      const destination = await checkDestination('https://hooks.example.com/mca?x=1', PRODUCTION, resolvesTo('93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'));
      expect(destination.url.href).toBe('https://hooks.example.com/mca?x=1');
      expect(destination.addresses.map((a) => a.address)).toEqual(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c']);
    });

    it('refuses a name when any of its addresses is forbidden', async () => {
      expect(await verdict('https://hooks.example.com/', PRODUCTION, resolvesTo('93.184.215.14', '10.0.0.5'))).toBe('resolves to a private address; webhooks go to public addresses only.');
      expect(await verdict('https://hooks.example.com/', PRODUCTION, resolvesTo('2606:4700::1', '::ffff:127.0.0.1'))).toBe('resolves to a loopback address; webhooks go to public addresses only.');
    });

    it('refuses a name that does not resolve', async () => {
      expect(await verdict('https://does-not-exist.invalid/hook')).toBe('has a host name that could not be resolved.');
      expect(await verdict('https://hooks.example.com/', PRODUCTION, resolvesTo())).toBe('has a host name that could not be resolved.');
    });

    it.each([
      ['http://93.184.215.14/hook', 'must use https.'],
      ['ftp://93.184.215.14/hook', 'must use https.'],
      ['file:///etc/passwd', 'must use https.'],
      ['https://user:secret@93.184.215.14/hook', 'must not contain a user name or password.'],
      ['not a url', 'is not a URL.'],
      ['//93.184.215.14/hook', 'is not a URL.'],
      [`https://93.184.215.14/${'a'.repeat(2049)}`, 'must be at most 2048 characters.'],
    ])('refuses %s', async (url, reason) => {
      expect(await verdict(url)).toBe(reason);
    });
  });

  describe('with local destinations allowed (outside production)', () => {
    it('accepts http and loopback and private addresses: a receiver on the machine or network', async () => {
      expect(await verdict('http://127.0.0.1:8080/hook', LOCAL)).toBe('accepted');
      expect(await verdict('http://localhost:8080/hook', LOCAL)).toBe('accepted');
      expect(await verdict('https://[::1]/hook', LOCAL)).toBe('accepted');
      expect(await verdict('http://10.0.0.7/hook', LOCAL)).toBe('accepted');
      expect(await verdict('http://[fd00::7]/hook', LOCAL)).toBe('accepted');
    });

    it('still refuses link-local (cloud metadata), unspecified and multicast addresses', async () => {
      expect(await verdict('http://169.254.169.254/latest/meta-data', LOCAL)).toBe('is a link-local address; webhooks go to public addresses only.');
      expect(await verdict('http://0.0.0.0:8080/', LOCAL)).toBe('is an unspecified address; webhooks go to public addresses only.');
      expect(await verdict('http://224.0.0.1/', LOCAL)).toBe('is a multicast address; webhooks go to public addresses only.');
    });
  });

  it('resolves names for real: localhost through the system resolver', async () => {
    const destination = await checkDestination('http://localhost:1/', LOCAL);
    expect(destination.addresses.length).toBeGreaterThan(0);
    for (const { address } of destination.addresses) expect(forbiddenAddress(address, PRODUCTION)).toBe('a loopback');
  });

  describe('the pinned lookup', () => {
    const checked: LookupAddress[] = [
      { address: '93.184.215.14', family: 4 },
      { address: '2606:4700::1', family: 6 },
    ];
    const ask = (options: object) =>
      new Promise<unknown[]>((resolve) => pinnedLookup(checked)('rebound.example.com', options as never, (...answer: unknown[]) => resolve(answer)));

    it('answers with the checked addresses whatever name it is asked', async () => {
      expect(await ask({ all: true })).toEqual([null, checked]);
      expect(await ask({})).toEqual([null, '93.184.215.14', 4]);
      expect(await ask({ family: 6 })).toEqual([null, '2606:4700::1', 6]);
      expect(await ask({ family: 'IPv6', all: true })).toEqual([null, [checked[1]]]);
    });

    it('fails when no checked address is of the family asked for', async () => {
      const [error] = await new Promise<unknown[]>((resolve) => pinnedLookup([checked[0]])('x', { family: 6 } as never, (...answer: unknown[]) => resolve(answer)));
      expect(error).toMatchObject({ code: 'ENOTFOUND' });
    });
  });
});
