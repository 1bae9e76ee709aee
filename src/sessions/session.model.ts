import { Field, ID, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE } from '../common/api-docs/api-docs';
import { JsonView } from '../common/json-view';
import { deviceOf } from './device';
import { ActiveSession } from './store/session-store';

/** An active login session as its owner or an admin sees it: never a token value or hash. */
@ObjectType('Session')
export class SessionView extends JsonView {
  /** The `sid` of its access tokens. */
  @Field(() => ID)
  @ApiProperty({ example: EXAMPLE.sessionId })
  id!: string;

  /** True for the session of the caller's own access token. */
  @ApiProperty({ example: true })
  current!: boolean;

  /** The password sign-in that started it. */
  @ApiProperty({ example: EXAMPLE.signedInAt })
  createdAt!: Date;

  /** Its last sign-in or refresh. */
  @ApiProperty({ example: EXAMPLE.refreshedAt })
  lastUsedAt!: Date;

  /** When it ends unless refreshed. */
  @ApiProperty({ example: EXAMPLE.refreshExpiresAt })
  expiresAt!: Date;

  /** The latest it can live (SESSION_MAX_LIFETIME after its sign-in). */
  @ApiProperty({ example: EXAMPLE.absoluteExpiresAt })
  absoluteExpiresAt!: Date;

  /** The client IP of its last use. */
  @ApiProperty({ example: EXAMPLE.ip })
  ip!: string;

  /** The User-Agent of its last use. */
  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: EXAMPLE.userAgent })
  userAgent!: string | null;

  /** A short summary parsed from the User-Agent, such as `Chrome 131 on macOS`. */
  @Field(() => String, { nullable: true })
  @ApiProperty({ type: String, nullable: true, example: EXAMPLE.device })
  device!: string | null;

  static from(session: ActiveSession, callerSessionId: string): SessionView {
    const view = new SessionView();
    view.id = session.id;
    view.current = session.id === callerSessionId;
    view.createdAt = session.createdAt;
    view.lastUsedAt = session.lastUsedAt;
    view.expiresAt = session.expiresAt;
    view.absoluteExpiresAt = session.absoluteExpiresAt;
    view.ip = session.ip;
    view.userAgent = session.userAgent;
    view.device = deviceOf(session.userAgent);
    return view;
  }
}
