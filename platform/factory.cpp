#include "factory.h"

#include "display/host/host_display.h"
#include "keys/host/host_key_source.h"

namespace hotdesk::platform {

Expected<std::unique_ptr<KeySource>> make_key_source(const Board &b, const PlatformOptions &o)
{
	return std::unique_ptr<KeySource>(std::make_unique<HostKeySource>(b, o.key_socket, o.tty));
}

Expected<std::unique_ptr<Display>> make_display(const Board &b, const PlatformOptions &o)
{
	return std::unique_ptr<Display>(
		std::make_unique<HostDisplay>(b.display_lines, b.display_columns, o.display_log, o.tty));
}

} // namespace hotdesk::platform
