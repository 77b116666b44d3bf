import QuiverServer

_ = ServerConfiguration()
