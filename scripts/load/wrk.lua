-- wrk.lua: the requests of one read phase of scripts/load, for wrk.
--
--   wrk -t T -c C -d D -s wrk.lua BASE -- FILE MODE ACCEPT GZIP T [DONE [RATE]]
--
-- FILE holds one request a line: a path, or a path, a tab and the value of
-- If-None-Match. MODE "cycle" sends them in turn, again and again (each
-- thread from its own place in the list); "once" sends each line once,
-- the lines shared out among the threads, and stops a thread when its
-- share is sent. ACCEPT ("" for none) is the Accept header; GZIP 1 adds
-- Accept-Encoding: gzip. Requests are made once, in init. done() prints
-- one line, "CAIRN-LOAD " and a JSON object, for scripts/load to read.
--
-- wrk's own duration is the -d given even when every thread stopped
-- early, so in "once" mode each thread notes when it started and when its
-- last answer came (CLOCK_MONOTONIC, through LuaJIT's FFI), and how many
-- of its requests were answered; done() reports the span and the count.
--
-- RATE (cycle mode; 0 or absent: as fast as answers come) is the requests
-- a second each thread sends, all its connections together: a connection
-- whose next request is not due yet waits the milliseconds until it is
-- (wrk's delay() is in whole milliseconds), so that the run measures the
-- latency at that rate rather than at the most the server can take.
-- A thread whose share is answered adds a line to the file DONE, so that
-- scripts/load can end wrk (SIGINT) when all are, and read the server's
-- CPU then.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } cairn_timespec;
int clock_gettime(int clk, cairn_timespec *ts);
]]
local ts = ffi.new("cairn_timespec")
local function now() -- µs
	ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
	return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local threads = {}

function setup(thread)
	thread:set("tid", #threads) -- the thread's global tid: 0, 1, …
	table.insert(threads, thread)
end

local reqs, n, i, sent, once = {}, 0, 0, 0, false
started, finished, answered, oncemode = 0, 0, 0, false -- read by done()

function init(args)
	local file, mode, accept, gzip, nthreads = args[1], args[2], args[3], args[4], tonumber(args[5])
	once = mode == "once"
	oncemode = once
	local me = tonumber(tid) or 0
	local k = 0
	for line in io.lines(file) do
		if line ~= "" then
			if not once or k % nthreads == me then
				local path, etag = line:match("^([^\t]*)\t?(.*)$")
				local h = {}
				if accept ~= "" then h["Accept"] = accept end
				if gzip == "1" then h["Accept-Encoding"] = "gzip" end
				if etag ~= "" then h["If-None-Match"] = etag end
				n = n + 1
				reqs[n] = wrk.format("GET", path, h)
			end
			k = k + 1
		end
	end
	if not once and n > 0 then
		i = math.floor(n * me / nthreads) -- each thread from its own place
	end
	local rate = tonumber(args[7] or "0") or 0
	if not once and rate > 0 then
		delay = function()
			if started == 0 then return 0 end
			local due = started + sent * 1e6 / rate -- µs: when the next request is due
			local wait = due - now()
			if wait <= 0 then return 0 end
			return math.ceil(wait / 1000)
		end
	end
	if once then
		local donefile = args[6]
		-- A connection whose thread has sent its share waits (for longer
		-- than any run) instead of sending more, while the others' answers
		-- come in; the last answer stops the thread.
		delay = function()
			if sent >= n then return 3600000 end
			return 0
		end
		response = function(status)
			if answered < n then
				answered = answered + 1
				finished = now()
				if answered == n then
					-- scripts/load ends wrk when every thread is done
					-- (wrk itself runs for its whole -d)
					if donefile then
						local f = io.open(donefile, "a")
						if f then f:write("done\n") f:close() end
					end
					wrk.thread:stop()
				end
			end
		end
	end
end

local verified = false

function request()
	-- wrk calls request() once in the first thread before the run, to
	-- check what it returns: that call sends nothing.
	if tid == 0 and not verified then
		verified = true
		return reqs[1]
	end
	if started == 0 then started = now() end
	if once then
		if sent >= n then return reqs[n] end -- a connection past the share (more connections than lines)
		sent = sent + 1
		return reqs[sent]
	end
	sent = sent + 1
	i = i + 1
	if i > n then i = 1 end
	return reqs[i]
end

function done(summary, latency, requests)
	local e = summary.errors
	local count, duration = summary.requests, summary.duration
	if threads[1] and threads[1]:get("oncemode") then -- once: the span of the answers
		local from, to, sum = nil, 0, 0
		for _, t in ipairs(threads) do
			local s, f, a = t:get("started"), t:get("finished"), t:get("answered")
			if s > 0 and (from == nil or s < from) then from = s end
			if f > to then to = f end
			sum = sum + a
		end
		count = sum
		if from and to > from then duration = to - from end
	end
	io.write(string.format(
		'CAIRN-LOAD {"requests":%d,"duration":%d,"bytes":%d,"p50":%d,"p95":%d,"p99":%d,"max":%d,' ..
		'"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
		count, duration, summary.bytes,
		latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
		e.connect, e.read, e.write, e.status, e.timeout))
end
