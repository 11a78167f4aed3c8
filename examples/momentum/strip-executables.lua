-- Strips executable attachments and says so, on the MIME tree.
--
--  * every attachment whose file name ends in a Windows executable
--    extension (.exe, .scr, .bat, ...) is replaced by a short text/plain
--    part telling the recipient what was removed;
--  * the Subject is tagged "[attachment removed]" (once);
--  * an X-Attachments-Removed header lists the file names.
--
-- A message without such an attachment is left exactly as it came.

local core = require("msys.core")
require("msys.extended.message")

local mod = {}

local SUBJECT_TAG = "[attachment removed]"

local EXECUTABLE = {
  exe = true, scr = true, bat = true, cmd = true, com = true, pif = true,
  vbs = true, js = true, jse = true, wsf = true, msi = true, hta = true,
}

local function is_executable(part)
  local ct = part:content_type()
  if not ct.is_attachment or ct.filename == nil then return false end
  local ext = string.match(string.lower(ct.filename), "%.([%w]+)$")
  return ext ~= nil and EXECUTABLE[ext] == true
end

local function notice(name)
  return "The attachment \"" .. name .. "\" was removed by the mail policy:\r\n" ..
         "executable files are not delivered. Ask the sender for another way.\r\n"
end

function mod:validate_data(msg, accept, vctx)
  -- First look, on the read-only tree: most mail has nothing to strip, and
  -- reading costs no copy of the message.
  local found = false
  local part = msg:mime()
  while part ~= nil do
    if is_executable(part) then found = true break end
    part = part.thread
  end
  if not found then return core.VALIDATE_CONT end

  -- Now on the writable tree. Collect first, change after: a walk must not
  -- follow .thread through parts it has already moved.
  local root = msg:mime(false)
  local doomed = {}
  part = root
  while part ~= nil do
    if is_executable(part) then doomed[#doomed + 1] = part end
    part = part.thread
  end

  local removed = {}
  for _, p in ipairs(doomed) do
    local name = p:content_type().filename
    removed[#removed + 1] = name
    if p == root then
      -- A message that is nothing but the executable: its body becomes the notice.
      root:text(notice(name), "text/plain")
      root:header("Content-Disposition", "")
    else
      local replacement = msg:makePart("text/plain; charset=utf-8", notice(name))
      replacement:header("X-Removed-Filename", name)
      replacement:insertBefore(p)
      p:unlink()
    end
  end

  -- A footer part at the end of the top container, when there is one.
  if root.parts ~= nil then
    root:addLastChild(msg:makePart("text/plain; charset=utf-8",
      "-- \r\n" .. #removed .. " attachment(s) removed by policy.\r\n"))
  end

  local subject = msg:header("Subject")[1] or ""
  if string.find(subject, SUBJECT_TAG, 1, true) == nil then
    msg:header("Subject", SUBJECT_TAG .. " " .. subject)
  end
  msg:header("X-Attachments-Removed", table.concat(removed, ", "))
  print("strip: " .. tostring(msg.id) .. ": removed " .. table.concat(removed, ", "))
  return core.VALIDATE_CONT
end

msys.registerModule("strip_executables", mod)
