import { Controller, Get, Param, Query, Req, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiAuthenticated, ApiEnvelope, ApiUserIdParam } from '../common/api-docs/api-docs';
import { ErrorCode } from '../common/errors/app-error';
import type { AuthUser } from '../common/auth-user';
import { CurrentUser } from '../common/decorators';
import { streamedSuccessEnvelope } from '../http/envelope';
import { PageArgs } from '../common/validation/page.args';
import { ParseObjectIdPipe } from '../common/validation/parse-object-id.pipe';
import { User } from './user.model';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({
    summary: 'Users in creation order',
    description: 'Every user, or a page of `limit` users after the user `after`.',
  })
  @ApiEnvelope(200, [User], 'The users')
  @ApiAuthenticated(ErrorCode.VALIDATION_ERROR)
  list(
    @Query() args: PageArgs,
    @Req() req: Request,
    @CurrentUser() user: AuthUser,
  ): Promise<User[] | StreamableFile> {
    // without a limit the list is as long as the user base: streamed, never held in memory
    const after = args.after ?? undefined;
    return args.limit === undefined || args.limit === null
      ? streamedSuccessEnvelope(req, this.users.streamAll(after, user))
      : this.users.list(args.limit, after, user);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A user by id' })
  @ApiUserIdParam()
  @ApiEnvelope(200, User, 'The user')
  @ApiAuthenticated(ErrorCode.VALIDATION_ERROR, ErrorCode.NOT_FOUND)
  get(@Param('id', ParseObjectIdPipe) id: string, @CurrentUser() user: AuthUser): Promise<User> {
    return this.users.getById(id, user);
  }
}
