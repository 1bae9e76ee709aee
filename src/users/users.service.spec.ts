import * as bcrypt from 'bcrypt';
import { AppConfig } from '../config/app-config';
import { PasswordHasher } from './password-hasher.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

describe(UsersService.name, () => {
  it('checks a password against a dummy hash of the same cost when the name is unknown', async () => {
    const passwords = new PasswordHasher({ bcryptCost: 4 } as AppConfig);
    await passwords.onModuleInit();
    const verify = jest.spyOn(passwords, 'verify');
    const users = new UsersService(
      { findByUsername: jest.fn().mockResolvedValue(null) } as unknown as UsersRepository,
      passwords,
    );
    const named = jest.fn();
    expect(await users.checkPassword('nobody', 'some password', named)).toBeNull();
    expect(named).toHaveBeenCalledWith(null);
    // the same bcrypt work as a wrong password: a comparison with the dummy, of BCRYPT_COST rounds
    expect(verify).toHaveBeenCalledWith('some password', undefined);
    const { dummyHash } = passwords as unknown as { dummyHash: string };
    expect(bcrypt.getRounds(dummyHash)).toBe(4);
    expect(await passwords.verify('some password', undefined)).toBe(false);
  });
});
