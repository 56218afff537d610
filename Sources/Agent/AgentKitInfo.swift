public enum AgentKitInfo { public static let name = "apiary-agent" }
