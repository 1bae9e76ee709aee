import { spokenDuration } from './duration';

describe('spokenDuration', () => {
  it.each([
    [600, '10 minutes'],
    [3600, '1 hour'],
    [86_400 * 30, '30 days'],
    [90, '90 seconds'],
    [1, '1 second'],
    [0, '0 seconds'],
  ])('says %i s as "%s", in the largest unit that divides it', (seconds, spoken) => {
    expect(spokenDuration(seconds)).toBe(spoken);
  });
});
