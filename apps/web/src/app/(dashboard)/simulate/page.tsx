import { Suspense } from "react";
import { SimulateView } from "@/components/simulate/SimulateView";

export default function Page() {
  return (
    <Suspense>
      <SimulateView />
    </Suspense>
  );
}
