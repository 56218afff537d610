public enum CoordinatorKitInfo { public static let name = "apiary-coordinator" }
