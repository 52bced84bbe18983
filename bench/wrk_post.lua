-- wrk script for the HTTP benchmark: POST one JSON request body per line of the file named by
-- BENCH_BODIES, rotating through them, and print a machine-readable summary at the end.
-- Each wrk thread loads this script into its own Lua state, so every thread rotates on its own.

local path = os.getenv("BENCH_BODIES")
local bodies = {}
for line in io.lines(path) do
  if #line > 0 then
    bodies[#bodies + 1] = line
  end
end
assert(#bodies > 0, "no request bodies in " .. tostring(path))

local headers = { ["Content-Type"] = "application/json" }
local next_body = 0

request = function()
  next_body = next_body % #bodies + 1
  return wrk.format("POST", nil, headers, bodies[next_body])
end

done = function(summary, latency, _requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(99)))
end
