import { Controller, Get } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Connection } from 'mongoose';
import { ApiEnvelope, ApiErrors } from '../common/api-docs/api-docs';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { Public } from '../common/decorators';

export class HealthStatus {
  @ApiProperty({ example: 'ok', enum: ['ok'] })
  status!: 'ok';

  @ApiProperty({ example: 'up', enum: ['up'], required: false })
  database?: 'up';
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(@InjectConnection() private readonly connection: Connection) {}

  @Get()
  @ApiOperation({ summary: 'Readiness: the service and its database answer' })
  @ApiEnvelope(200, HealthStatus, 'Healthy')
  @ApiErrors(ErrorCode.SERVICE_UNAVAILABLE)
  async check(): Promise<HealthStatus> {
    try {
      await this.connection.db!.admin().ping();
    } catch {
      throw new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The database does not answer');
    }
    return { status: 'ok', database: 'up' };
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (no database call)' })
  @ApiEnvelope(200, HealthStatus, 'Alive')
  live(): HealthStatus {
    return { status: 'ok' };
  }
}
