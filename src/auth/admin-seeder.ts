import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/app-error';
import { Role } from '../common/auth-user';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UsersRepository } from '../users/users.repository';
import { PasswordHasher } from './password-hasher.service';

/**
 * Makes sure ADMIN_USERNAME exists as an admin. An existing user of that name is promoted and
 * keeps its password, so a password changed through the API is not reset by a restart.
 */
@Injectable()
export class AdminSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminSeeder.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (admin === undefined) return;
    const existing = await this.users.findByUsername(admin.username);
    if (existing === null) {
      try {
        await this.users.create(
          admin.username,
          await this.passwords.hash(admin.password),
          Role.ADMIN,
        );
        this.logger.log(`Created admin "${admin.username}"`);
        return;
      } catch (error) {
        // another instance created it first
        if (!(error instanceof AppError && error.code === ErrorCode.USERNAME_TAKEN)) throw error;
      }
    }
    const user = existing ?? (await this.users.findByUsername(admin.username));
    if (user !== null && user.role !== Role.ADMIN) {
      await this.users.setRole(user._id, Role.ADMIN);
      this.logger.log(`Promoted "${admin.username}" to admin`);
    }
  }
}
