import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { Role } from '../common/auth-user';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ConfigError } from '../config/load-config';
import { UsersService } from '../users/users.service';

/**
 * Makes sure ADMIN_USERNAME exists as an admin, without ever promoting anyone: a free name creates
 * the admin; an existing admin is left alone (a password changed through the API is not reset by a
 * restart); a non-admin of that name stops start-up, since whoever registered the name first would
 * otherwise become admin with a password of their choosing.
 */
@Injectable()
export class AdminSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminSeeder.name);

  constructor(
    private readonly users: UsersService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.admin;
    if (admin === undefined) return;
    let existing = await this.users.findByUsername(admin.username);
    if (existing === null) {
      try {
        await this.users.create(admin.username, admin.password, Role.ADMIN);
        this.logger.log(`Created admin "${admin.username}"`);
        return;
      } catch (error) {
        // another instance created it first, or someone signed up under the name meanwhile
        if (!(error instanceof AppError && error.code === ErrorCode.USERNAME_TAKEN)) throw error;
      }
      existing = await this.users.findByUsername(admin.username);
    }
    if (existing !== null && existing.role !== Role.ADMIN) {
      throw new ConfigError(
        `ADMIN_USERNAME "${admin.username}" belongs to an existing user who is not an admin; choose another name (existing users are never promoted)`,
      );
    }
  }
}
