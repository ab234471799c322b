// Test-only: any request fires the edge worker's scheduled() once and answers its outcome.
export default {
  async fetch(request, env) {
    const result = await env.EDGE.scheduled({ cron: '* * * * *', scheduledTime: new Date() });
    return Response.json(result);
  },
};
