import { Injectable } from '@nestjs/common';

/** A plain Nest service, injected into the MCP server factory to show tools that use DI. */
@Injectable()
export class GreetingService {
  /** Builds the greeting for `name`. */
  greet(name: string): string {
    return `Hello, ${name}!`;
  }
}
